#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "core/clock.hpp"
#include "core/error.hpp"
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
    boost::asio::awaitable<void> SnapshotLoop();
    boost::asio::awaitable<void> RetentionLoop();

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    std::shared_ptr<ports::HistoryStore> store_;
    const std::shared_ptr<ports::AudienceStats> audience_;
    std::shared_ptr<ports::Leadership> leadership_;
    Clock& clock_;
    HistoryJobsOptions options_;


    // Strand only.
    boost::asio::steady_timer snapshot_timer_;
    boost::asio::steady_timer retention_timer_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> running_{0};
};

}  // namespace ivs::adapters::history
