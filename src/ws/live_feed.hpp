#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <memory>

#include "core/clock.hpp"
#include "core/periodic_task.hpp"
#include "ports/audience_stats.hpp"
#include "ports/event_bus.hpp"
#include "ws/hub.hpp"

namespace ivs::ws {

// Turns live events and audience snapshots into WebSocket messages:
//  - `stats_update` to the "stats" channel when the audience changed (coalesced: at most one per
//    `min_interval`) and at least every `max_interval`;
//  - stage and publisher events (`stage_created`, `stage_draining`, `stage_deleted`,
//    `publisher_live`, `publisher_offline`) at once to "stats" and to "stage:<stageArn>".
// Without an AudienceStats (audience not wired) events are still forwarded and stats pushes are
// skipped. Thread-safe; events may arrive on any thread.
class LiveFeed : public std::enable_shared_from_this<LiveFeed> {
public:
    struct Options {
        std::chrono::milliseconds min_interval{1000};
        std::chrono::milliseconds max_interval{5000};
    };

    LiveFeed(boost::asio::io_context& ioc, std::shared_ptr<Hub> hub,
             std::shared_ptr<ports::AudienceStats> stats, const Clock& clock, Options options);

    // Starts the push loop.
    void Start();
    // Stops the push loop and waits for it to end.
    boost::asio::awaitable<void> Stop();

    // Entry point for the event bus listener.
    void OnEvent(const ports::LiveEvent& event);
    // Sends the current stats to one new subscriber (best effort, asynchronous).
    void SendCurrentTo(std::shared_ptr<Subscriber> subscriber);

    // The stats_update message for a snapshot (also used by tests and the dashboard contract).
    static boost::json::object StatsUpdate(const ports::AudienceSnapshot& snapshot);

    std::uint64_t PushCount() const { return pushes_.load(); }

private:
    // Pushes when due; returns the wait until the next push is due.
    boost::asio::awaitable<PeriodicTask::Wait> PushWhenDue();
    boost::asio::awaitable<void> PushStats();

    // Snapshots for new subscribers are taken on its strand too.
    const std::shared_ptr<PeriodicTask> pushes_loop_;
    std::shared_ptr<Hub> hub_;
    std::shared_ptr<ports::AudienceStats> stats_;
    const Clock& clock_;
    Options options_;
    std::atomic<bool> dirty_{true};
    std::chrono::steady_clock::time_point last_push_;  // strand only
    std::atomic<std::uint64_t> pushes_{0};
};

}  // namespace ivs::ws
