#pragma once

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace ivs::ports {

// The hot, shared state of the audience: viewer sessions and seats, per-stage counts, the
// managed-stage registry, publisher state, replication records. Two adapters (memory, Redis)
// pass one contract suite (tests/contract/hot_store_contract.hpp).
//
// Rules every adapter keeps:
// - Each method is atomic: seating checks capacity and takes the seat in one step, so no stage
//   ever holds more than `capacity` live sessions under any concurrency, across processes.
// - A user has at most one session. A session is live while last_heartbeat >= `cutoff`
//   (now - HEARTBEAT_TIMEOUT_SECONDS, computed by the caller). Expired sessions are never counted,
//   never listed and never revived by a heartbeat; they stay stored until `ExpireSessions` or a
//   seat of the same user ends them.
// - A heartbeat is O(log n). Expiry never scans every session.
// - Methods are thread-safe. Errors: unavailable/timeout when the store cannot be reached;
//   not_found / stage_full / invalid_argument as documented per method.

enum class StageState { active, draining };

struct StageRecord {
    std::string arn;
    std::string name;
    bool is_master = false;
    bool auto_scaled = false;
    StageState state = StageState::active;
    SystemTime created_at;
    std::optional<SystemTime> draining_since;
    int viewers = 0;  // live sessions; filled by reads, ignored by UpsertStage
};

struct ViewerSession {
    std::string session_id;
    std::string user_id;
    std::string stage_arn;
    std::string participant_id;
    SystemTime joined_at;
    SystemTime last_heartbeat;
};

struct SeatRequest {
    std::string user_id;
    // Empty: choose a stage (least-loaded active stage below `scale_up_threshold`, else any
    // active stage below `capacity`). Set: that stage (must be registered and active).
    std::string requested_stage;
    std::string new_session_id;  // id of the session if a new one starts
    std::string participant_id;  // participant of the token being issued (may be empty)
    SystemTime now;
    SystemTime cutoff;  // sessions with last_heartbeat < cutoff are expired
    int capacity = 50;
    int scale_up_threshold = 45;
    // not_found ("The broadcast is not live") unless the publisher is live, checked atomically
    // with the seat.
    bool require_live_publisher = false;
    // For the history event of a store that records session events (RecordsSessionEvents).
    std::string user_agent;
    std::string ip_address;
    // The participant is not known yet: the session's start is recorded by SetParticipant.
    bool defer_start = false;
};

struct SeatResult {
    enum class Outcome {
        seated,  // a new session started
        kept,    // the user's live session in that stage continues (same id, same joined_at)
        moved,   // the user's session in another stage ended and a new one started here
    };
    Outcome outcome = Outcome::seated;
    ViewerSession session;               // the user's session after the call
    std::optional<ViewerSession> ended;  // a session that ended in this call (moved, or expired)
    int stage_viewers = 0;               // live sessions in the stage after the call
};

struct PublisherState {
    bool live = false;
    std::string participant_id;
    std::string user_id;
    std::string stage_arn;
    SystemTime since;       // when it went live / offline
    SystemTime updated_at;  // last confirmation (event or poll)
    std::string source;     // "event", "poll", "token"
};

struct ReplicationRecord {
    std::string destination_stage_arn;
    std::string source_stage_arn;
    std::string participant_id;
    bool active = false;  // confirmed started
    SystemTime updated_at;
};

// A consistent view for stats, taken at one instant.
struct HotSnapshot {
    std::vector<StageRecord> stages;  // with live viewer counts
    std::optional<PublisherState> publisher;
    int pending_stage_creations = 0;
};

// The stage_full messages of a seat asked for in one stage; both name that stage.
inline std::string StageFullMessage(const std::string& stage_arn) {
    return "Stage " + stage_arn + " is full, please try again later";
}
inline std::string StageDrainingMessage(const std::string& stage_arn) {
    return "Stage " + stage_arn + " is draining and takes no new viewers";
}

class HotStore {
public:
    template <class T>
    using Async = boost::asio::awaitable<Result<T>>;

    virtual ~HotStore() = default;

    // --- Seats and sessions
    // Errors: not_found (requested stage is not registered), stage_full (no seat: requested stage
    // full or draining, or no active stage with room).
    // not_found "The broadcast is not live" when `require_live_publisher` and it is not.
    virtual Async<SeatResult> Seat(SeatRequest request) = 0;
    // Refreshes last_heartbeat and returns it (`now`, or a later one already stored). not_found
    // when the user has no live session in that stage, or `session_id` is given and is not the
    // current one.
    virtual Async<SystemTime> Heartbeat(std::string user_id, std::string stage_arn,
                                        std::string session_id, SystemTime now,
                                        SystemTime cutoff) = 0;
    // Ends the user's session in that stage. Returns it (nullopt when there was none). An
    // expired session is ended too and returned as it was. `now` / `cutoff` date the end event
    // (a session with last_heartbeat < cutoff ends at it, as a timeout); zero: the store's clock,
    // no cutoff.
    virtual Async<std::optional<ViewerSession>> Leave(std::string user_id, std::string stage_arn,
                                                      std::string session_id,
                                                      SystemTime now = {},
                                                      SystemTime cutoff = {}) = 0;
    // Ends a session whose viewer never got a token: as if it had not started (a start already
    // recorded is cancelled, so it leaves no history row).
    virtual Async<void> GiveBack(std::string user_id, std::string stage_arn,
                                 std::string session_id) {
        auto left = co_await Leave(std::move(user_id), std::move(stage_arn), std::move(session_id));
        if (!left) co_return left.error();
        co_return Ok();
    }
    // Records the participant of the user's current session (after a token was issued), and
    // the session's start when the seat deferred it (with the caller's user agent and address).
    virtual Async<void> SetParticipant(std::string user_id, std::string session_id,
                                       std::string participant_id, std::string user_agent = {},
                                       std::string ip_address = {}) = 0;
    // The user's live session, if any.
    virtual Async<std::optional<ViewerSession>> GetSession(std::string user_id,
                                                           SystemTime cutoff) = 0;
    virtual Async<std::vector<ViewerSession>> ListViewers(std::string stage_arn, SystemTime cutoff,
                                                          std::size_t limit) = 0;
    // Removes up to `limit` sessions whose last_heartbeat < cutoff and returns them.
    virtual Async<std::vector<ViewerSession>> ExpireSessions(SystemTime cutoff,
                                                             std::size_t limit) = 0;

    // --- Managed-stage registry
    virtual Async<void> UpsertStage(StageRecord stage) = 0;
    // not_found when the stage is not registered.
    virtual Async<void> SetStageState(std::string arn, StageState state,
                                      std::optional<SystemTime> draining_since) = 0;
    // Unregisters the stage and ends every session in it; returns those sessions. `now` /
    // `cutoff` date the end events as for Leave.
    virtual Async<std::vector<ViewerSession>> RemoveStage(std::string arn, SystemTime now = {},
                                                          SystemTime cutoff = {}) = 0;
    virtual Async<StageRecord> GetStage(std::string arn, SystemTime cutoff) = 0;
    virtual Async<std::vector<StageRecord>> ListStages(SystemTime cutoff) = 0;
    // Stages being created right now (by any instance), so joins can wait for them.
    virtual Async<void> SetPendingStageCreations(int count, SystemTime until) = 0;

    // --- Publisher, replication, idempotency
    virtual Async<void> SetPublisher(PublisherState state) = 0;
    virtual Async<std::optional<PublisherState>> GetPublisher() = 0;
    virtual Async<void> PutReplication(ReplicationRecord record) = 0;
    virtual Async<void> RemoveReplication(std::string destination_stage_arn) = 0;
    virtual Async<std::vector<ReplicationRecord>> ListReplications() = 0;
    // True the first time `key` is seen within `ttl` (EventBridge event ids).
    virtual Async<bool> MarkOnce(std::string key, std::chrono::seconds ttl) = 0;

    // --- Reads for stats
    virtual Async<HotSnapshot> Snapshot(SystemTime now, SystemTime cutoff) = 0;
    virtual Async<void> Ping() = 0;

    // True when the store appends every session start and end to the durable history outbox
    // in the same atomic step as the change (Redis: inside the script); callers then publish
    // no session events of their own.
    virtual bool RecordsSessionEvents() const { return false; }
};

}  // namespace ivs::ports
