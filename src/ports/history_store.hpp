#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "ports/session_events.hpp"
#include "ports/stage_archive.hpp"

namespace ivs::ports {

// "This session was still alive at `at`": lets a restart close a crashed process's open rows
// at the last time the viewer was known to be watching.
struct HeartbeatCheckpoint {
    std::string session_id;
    SystemTime at;
};

// One unit of work for the history store. Events are applied before checkpoints.
struct HistoryBatch {
    std::vector<SessionEvent> events;
    std::vector<HeartbeatCheckpoint> heartbeats;

    bool Empty() const { return events.empty() && heartbeats.empty(); }
    std::size_t Size() const { return events.size() + heartbeats.size(); }
};

// One row of `viewer_sessions`.
struct SessionRecord {
    std::int64_t id = 0;
    std::string session_id;
    std::string user_id;
    std::string stage_arn;
    std::string participant_id;
    SystemTime joined_at;
    std::optional<SystemTime> left_at;
    std::optional<std::int64_t> watch_duration_seconds;
    SystemTime last_heartbeat;
    std::string end_reason;
};

struct HistoryPage {
    std::int64_t total_records = 0;  // every row of the user, not only this page
    std::vector<SessionRecord> records;  // newest first
    std::string next_cursor;             // empty on the last page
};

struct StageViewStats {
    std::int64_t total_views = 0;
    std::int64_t unique_viewers = 0;
    std::int64_t avg_watch_duration = 0;  // seconds, rounded; 0 when no closed session
    std::int64_t max_watch_duration = 0;
};

struct StatsSnapshot {
    std::string stage_arn;
    SystemTime at;
    int viewer_count = 0;
};

// Snapshots taken at the same instant are summed (all stages, or the one asked for), then
// grouped in buckets of `step` starting at multiples of `step` since the Unix epoch.
struct TimeseriesQuery {
    std::optional<std::string> stage_arn;
    SystemTime from;  // inclusive
    SystemTime to;    // exclusive
    std::chrono::seconds step{60};
};

struct TimeseriesPoint {
    SystemTime bucket;
    double avg_viewers = 0;
    int max_viewers = 0;
    int min_viewers = 0;
    int samples = 0;
};

// Connections of a history store: how many, how many running a statement, jobs waiting.
struct StorePoolState {
    int connections = 0;
    int busy = 0;
    std::size_t queued = 0;
};

// Durable viewing history, snapshots and the managed-stage registry (SQLite or PostgreSQL).
// Thread-safe; every call runs on the store's own threads, never on the caller's. Errors:
// unavailable when the database cannot be reached (callers retry), invalid_argument for a bad
// cursor, internal for unexpected database answers.
class HistoryStore : public StageArchive {
public:
    template <class T>
    using Async = boost::asio::awaitable<Result<T>>;

    // Applies events idempotently, keyed by session_id, in one transaction:
    //  - `started` inserts the row once (a repeat changes nothing);
    //  - `ended` closes the row once with left_at (never before joined_at) and
    //    watch_duration_seconds = left_at - joined_at; an `ended` arriving before its `started`
    //    creates the closed row, and the later `started` changes nothing;
    //  - `ended` with end_reason kCancelled removes the row (a start its viewer never got).
    // Checkpoints raise last_heartbeat of open rows (never lower it).
    virtual Async<void> Apply(HistoryBatch batch) = 0;

    // Rows of `user_id`, newest first. `limit` 1-100; `cursor` from a previous page or empty.
    virtual Async<HistoryPage> History(std::string user_id, int limit, std::string cursor) = 0;

    // Sessions of a stage that joined at or after `since`.
    virtual Async<StageViewStats> StageStats(std::string stage_arn, SystemTime since) = 0;

    virtual Async<void> InsertSnapshots(std::vector<StatsSnapshot> snapshots) = 0;
    virtual Async<std::vector<TimeseriesPoint>> Timeseries(TimeseriesQuery query) = 0;

    // Deletes at most `batch_limit` of the oldest matching rows; returns how many went. Callers
    // repeat until it returns less than the limit (short transactions, no long locks).
    virtual Async<std::int64_t> DeleteSnapshotsBefore(SystemTime t, int batch_limit) = 0;
    // Only closed sessions that joined before `t`.
    virtual Async<std::int64_t> DeleteSessionsBefore(SystemTime t, int batch_limit) = 0;

    // Crash recovery: closes every open row whose last_heartbeat is before `t`, with
    // left_at = last_heartbeat and the given end_reason. Returns how many were closed.
    virtual Async<std::int64_t> CloseOpenSessions(SystemTime t, std::string end_reason) = 0;

    virtual Async<void> Ping() = 0;

    // "sqlite" or "postgres".
    virtual std::string_view Kind() const = 0;
    // The connections (worker threads) behind the store, for /metrics.
    virtual StorePoolState PoolState() const = 0;
};

// The durable sink the history wiring installs as ctx.session_events, with periodic liveness
// checkpoints on top of the start/end events (registered as ctx.services["history_sink"]).
// Never blocks; thread-safe.
class HistorySink : public SessionEventSink {
public:
    virtual void RecordHeartbeats(std::vector<HeartbeatCheckpoint> checkpoints) = 0;
};

}  // namespace ivs::ports
