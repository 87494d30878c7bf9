#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <memory>

#include "core/periodic_task.hpp"
#include "domain/audience/audience_service.hpp"
#include "ports/history_store.hpp"
#include "ports/leadership.hpp"

namespace ivs::audience {

// Ends viewer sessions that stopped heartbeating: every `interval` the leader instance expires
// sessions silent for HEARTBEAT_TIMEOUT_SECONDS (in batches) and publishes their end, with
// left_at = the last heartbeat. Start once, Stop once (awaitable, returns when the loop ended).
// Every `every`, the sweeper also records the last heartbeat of each live session in the
// history store, so a restart after a crash closes open rows at the right time.
struct SweeperCheckpoints {
    std::shared_ptr<ports::HistorySink> sink;  // null: no checkpoints
    std::chrono::milliseconds every{60000};
};

class SessionSweeper : public std::enable_shared_from_this<SessionSweeper> {
public:
    using Checkpoints = SweeperCheckpoints;

    SessionSweeper(boost::asio::any_io_executor executor, std::shared_ptr<AudienceService> audience,
                   std::shared_ptr<ports::Leadership> leadership,
                   std::chrono::milliseconds interval, Checkpoints checkpoints = Checkpoints{});

    // min(5 s, timeout / 2), so a session ends well within 10 s of expiring.
    static std::chrono::milliseconds IntervalFor(int heartbeat_timeout_seconds);

    void Start();
    boost::asio::awaitable<void> Stop();

    // Sessions ended since start.
    std::size_t Ended() const { return ended_.load(); }

private:
    boost::asio::awaitable<PeriodicTask::Wait> Sweep();
    boost::asio::awaitable<void> Checkpoint();

    const std::shared_ptr<PeriodicTask> sweeps_;
    std::shared_ptr<AudienceService> audience_;
    std::shared_ptr<ports::Leadership> leadership_;
    std::chrono::milliseconds interval_;
    std::atomic<std::size_t> ended_{0};
    Checkpoints checkpoints_;
    std::chrono::steady_clock::time_point next_checkpoint_{};
};

}  // namespace ivs::audience
