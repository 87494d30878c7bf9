#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "domain/audience/seat_supply.hpp"
#include "domain/autoscaler/policy.hpp"
#include "domain/autoscaler/seat_signal.hpp"
#include "domain/stages/stage_registry.hpp"
#include "ports/event_bus.hpp"
#include "ports/hot_store.hpp"
#include "ports/stage_demand.hpp"

namespace ivs::autoscaler {

struct ScaleUpOptions {
    PolicyConfig policy;             // max_stages: the effective stage limit
    bool replication_limit = false;  // the limit is the replication one (master + 5)
    std::chrono::seconds claim_ttl{3};
    std::chrono::seconds rate_window{10};  // the join rate is measured over this window
};

// How long joins waited for a stage on this instance: an episode starts when a join finds every
// stage full and ends when a stage appears (created here or by another instance); it is dropped
// without counting when the waiting joins are all seated or give up before that.
struct SeatWaitFigures {
    std::uint64_t episodes = 0;
    double last_seconds = 0;
    double max_seconds = 0;
    double total_seconds = 0;
};

// Demand-driven scale-up, on every instance (not only the leader):
//   - Provision() reads the registry with live counts and the shared demand (waiting joins,
//     creations under way), works out the active stages wanted (policy DesiredActive of viewers +
//     waiting joins + expected arrivals), claims the missing creations (atomically across
//     instances) and starts them all at once; the IVS client's limiter paces them.
//   - Pre-warming: expected arrivals = the audience's growth rate over `rate_window` times the
//     observed CreateStage latency, so the stages for the joins arriving during one creation are
//     asked for before those joins find every stage full.
//   - Waiting joins are woken by stage_created / stage_creation_failed events from any instance
//     (SeatSignal); a wait is cut at `claim_ttl` so a claim whose creator died is seen lapsing.
// Thread-safe.
class ScaleUp : public audience::SeatSupply, public std::enable_shared_from_this<ScaleUp> {
public:
    ScaleUp(boost::asio::any_io_executor executor, std::shared_ptr<stages::StageRegistry> registry,
            std::shared_ptr<ports::HotStore> hot, std::shared_ptr<ports::StageDemand> demand,
            std::shared_ptr<ports::EventBus> events, const Clock& clock, ScaleUpOptions options);

    // Wakes waiters on stage events (subscribe it to the event bus).
    void OnEvent(const ports::LiveEvent& event);

    // Claims and starts the creations the demand needs now. Returns the creations under way in
    // all (every instance), or the limit error when none is and none can be started.
    // `wait_for_creations`: returns once the creations it started have finished (the leader's
    // tick); otherwise they go on in the background.
    boost::asio::awaitable<Result<int>> Provision(bool wait_for_creations = false);
    // Provision() in the background, at most one at a time per instance (a request during a run
    // runs it once more after).
    void ProvisionSoon();
    // Joins expected during one CreateStage (pre-warming), from the latest samples.
    int ExpectedArrivals() const;
    double CreateLatencySeconds() const;
    std::uint64_t CreationsStarted() const { return started_.load(); }
    // Time from the first join that found no seat to the next stage, so far.
    SeatWaitFigures SeatWaits() const;

    // audience::SeatSupply
    std::uint64_t Generation() const override { return signal_.Generation(); }
    boost::asio::awaitable<Status> NeedSeat(std::string join_id, SystemTime until) override;
    boost::asio::awaitable<void> Done(std::string join_id) override;
    boost::asio::awaitable<void> WaitChange(std::uint64_t seen,
                                            std::chrono::milliseconds timeout) override;

private:
    boost::asio::awaitable<void> Create(std::string claim_id,
                                        std::shared_ptr<std::atomic<int>> left);
    void Sample(int demand);
    void StageAppeared();
    Error LimitError(bool quota) const;

    boost::asio::any_io_executor executor_;
    std::shared_ptr<stages::StageRegistry> registry_;
    std::shared_ptr<ports::HotStore> hot_;
    std::shared_ptr<ports::StageDemand> demand_;
    std::shared_ptr<ports::EventBus> events_;
    const Clock& clock_;
    ScaleUpOptions options_;
    SeatSignal signal_;

    mutable std::mutex mu_;
    std::deque<std::pair<SteadyTime, int>> samples_;  // (when, viewers + waiting joins)
    double latency_s_ = 0;                              // EWMA of CreateStage; 0: none yet
    std::optional<SteadyTime> quota_refused_at_;       // IVS refused a creation (quota)
    std::unordered_set<std::string> waiting_here_;     // joins of this instance with no seat yet
    std::optional<SteadyTime> demand_since_;           // the open seat-wait episode
    SeatWaitFigures seat_waits_;
    std::atomic<bool> provisioning_{false};
    std::atomic<bool> provision_again_{false};
    std::atomic<std::uint64_t> started_{0};
};

}  // namespace ivs::autoscaler
