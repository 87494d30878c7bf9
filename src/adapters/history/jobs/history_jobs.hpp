#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/periodic_task.hpp"
#include "ports/audience_stats.hpp"
#include "ports/history_store.hpp"
#include "ports/leadership.hpp"

namespace ivs::adapters::history {

struct HistoryJobsOptions {
    std::chrono::seconds snapshot_interval{300};
    int retention_days = 90;
    int session_retention_days = 0;  // 0: sessions are kept forever
    std::chrono::seconds retention_first_run{60};
    std::chrono::seconds retention_interval{86400};
    int delete_batch = 5000;  // rows per delete transaction
};

// The singleton history jobs, run only while this instance is the leader:
//  - every snapshot_interval, one viewer_stats_snapshots row per managed stage;
//  - once a day, deletes snapshots older than retention_days (and closed sessions older than
//    session_retention_days when set) in short batches.
// Start/Stop from any thread; the loops run on their own strand.
class HistoryJobs : public std::enable_shared_from_this<HistoryJobs> {
public:
    // `audience` is what the snapshots record (null: no snapshots are written).
    HistoryJobs(boost::asio::any_io_executor executor, std::shared_ptr<ports::HistoryStore> store,
                std::shared_ptr<ports::AudienceStats> audience,
                std::shared_ptr<ports::Leadership> leadership, Clock& clock,
                HistoryJobsOptions options);

    void Start();
    // Cancels the timers and waits (up to 5 s) for a pass in progress to finish.
    boost::asio::awaitable<void> Stop();

    // One pass each, whatever the leadership (tests, and the loops).
    boost::asio::awaitable<Result<int>> SnapshotOnce();           // rows written
    boost::asio::awaitable<Result<std::int64_t>> RetentionOnce();  // rows deleted

private:
    using DeleteBefore = ports::HistoryStore::Async<std::int64_t> (ports::HistoryStore::*)(
        SystemTime, int);

    boost::asio::awaitable<PeriodicTask::Wait> SnapshotStep();
    boost::asio::awaitable<PeriodicTask::Wait> RetentionStep();
    bool Leading() const;
    // Deletes rows older than `cutoff` in batches of delete_batch until a batch comes back short
    // (or a stop is asked for); returns how many went.
    boost::asio::awaitable<Result<std::int64_t>> DeleteInBatches(DeleteBefore remove,
                                                                 SystemTime cutoff);

    // Both on one strand: a snapshot and a retention pass never run at the same time.
    const std::shared_ptr<PeriodicTask> snapshots_;
    const std::shared_ptr<PeriodicTask> retention_;
    std::shared_ptr<ports::HistoryStore> store_;
    const std::shared_ptr<ports::AudienceStats> audience_;
    std::shared_ptr<ports::Leadership> leadership_;
    Clock& clock_;
    HistoryJobsOptions options_;
};

}  // namespace ivs::adapters::history
