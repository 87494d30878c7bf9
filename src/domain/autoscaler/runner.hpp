#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>

#include "core/clock.hpp"
#include "core/periodic_task.hpp"
#include "domain/autoscaler/policy.hpp"
#include "domain/autoscaler/scale_up.hpp"
#include "domain/publisher/publisher_tracker.hpp"
#include "domain/stages/fanout.hpp"
#include "domain/stages/stage_registry.hpp"
#include "ports/hot_store.hpp"
#include "ports/leadership.hpp"

namespace ivs::autoscaler {

struct RunnerOptions {
    PolicyConfig policy;
    std::chrono::seconds interval{5};          // AUTOSCALE_INTERVAL_SECONDS
    std::chrono::seconds publisher_poll{30};   // PUBLISHER_POLL_SECONDS
    bool autoscale = true;                     // AUTO_SCALE_ENABLED (fan-out still reconciles)
    std::chrono::seconds adopt_interval{15};   // how often the leader looks for orphaned stages
};

// The background jobs of the stage side, on the leader only:
//   - the autoscaler tick, every `interval` and at once when triggered: reads the registry with
//     live counts and the shared demand, asks the policy, executes its decision (undrain, drain,
//     delete through the registry; creations through ScaleUp, which claims and runs them in
//     parallel without holding up the tick), adopts stages whose creator died before registering
//     them (every `adopt_interval` and on becoming leader), then reconciles fan-out. One tick at
//     a time: a trigger during a tick runs one more tick right after it.
//   - the publisher poll, every `publisher_poll`.
// Thread-safe: Trigger may be called from any thread.
class Runner : public std::enable_shared_from_this<Runner> {
public:
    Runner(boost::asio::any_io_executor executor, std::shared_ptr<stages::StageRegistry> registry,
           std::shared_ptr<stages::FanOut> fanout,
           std::shared_ptr<publisher::PublisherTracker> publisher,
           std::shared_ptr<ports::HotStore> hot, std::shared_ptr<ports::Leadership> leadership,
           std::shared_ptr<ScaleUp> scale_up, std::shared_ptr<ports::StageDemand> demand,
           Clock& clock, RunnerOptions options);

    // Starts both loops (the registry must have started, or they wait for it).
    void Start();
    // Runs a tick as soon as possible (coalesced with one already queued).
    void Trigger();
    // Stops the loops and waits until the current tick has finished.
    boost::asio::awaitable<void> Stop();

    // One autoscaler tick now, on the caller's coroutine (tests; the loop uses it too). Not to
    // be called concurrently with the loop.
    boost::asio::awaitable<Decision> TickOnce();

    std::uint64_t Ticks() const { return ticks_.load(); }

private:
    boost::asio::awaitable<PeriodicTask::Wait> Tick();
    boost::asio::awaitable<PeriodicTask::Wait> Poll();
    boost::asio::awaitable<Decision> Execute(const Decision& d);
    boost::asio::awaitable<void> MaybeAdopt();
    int RecentPeak(int demand);

    // Both on one strand: a tick and a poll never run at the same time.
    const std::shared_ptr<PeriodicTask> ticks_loop_;
    const std::shared_ptr<PeriodicTask> polls_loop_;
    std::shared_ptr<stages::StageRegistry> registry_;
    std::shared_ptr<stages::FanOut> fanout_;
    std::shared_ptr<publisher::PublisherTracker> publisher_;
    std::shared_ptr<ports::HotStore> hot_;
    std::shared_ptr<ports::Leadership> leadership_;
    std::shared_ptr<ScaleUp> scale_up_;
    std::shared_ptr<ports::StageDemand> demand_;
    Clock& clock_;
    RunnerOptions options_;


    std::atomic<std::uint64_t> ticks_{0};
    // Touched by ticks only (one at a time, on the strand).
    std::deque<std::pair<SteadyTime, int>> peaks_;  // demand per tick over the warm-up
    std::optional<SteadyTime> adopted_at_;
    std::uint64_t adopted_fence_ = 0;
};

}  // namespace ivs::autoscaler
