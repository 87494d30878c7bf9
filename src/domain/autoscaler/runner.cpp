#include "domain/autoscaler/runner.hpp"

#include <spdlog/spdlog.h>

namespace ivs::autoscaler {

namespace asio = boost::asio;

Runner::Runner(asio::any_io_executor executor, std::shared_ptr<stages::StageRegistry> registry,
               std::shared_ptr<stages::FanOut> fanout,
               std::shared_ptr<publisher::PublisherTracker> publisher,
               std::shared_ptr<ports::HotStore> hot, std::shared_ptr<ports::Leadership> leadership,
               std::shared_ptr<ScaleUp> scale_up, std::shared_ptr<ports::StageDemand> demand,
               Clock& clock, RunnerOptions options)
    : ticks_loop_(std::make_shared<PeriodicTask>(
          asio::make_strand(executor),
          PeriodicTask::Options{.name = "autoscaler tick",
                                .after_throw = options.interval,
                                .stop_wait = std::nullopt},
          [this] { return Tick(); })),
      polls_loop_(std::make_shared<PeriodicTask>(
          ticks_loop_->Executor(),
          PeriodicTask::Options{.name = "publisher poll",
                                .after_throw = options.publisher_poll,
                                .stop_wait = std::nullopt},
          [this] { return Poll(); })),
      registry_(std::move(registry)),
      fanout_(std::move(fanout)),
      publisher_(std::move(publisher)),
      hot_(std::move(hot)),
      leadership_(std::move(leadership)),
      scale_up_(std::move(scale_up)),
      demand_(std::move(demand)),
      clock_(clock),
      options_(options) {}

void Runner::Start() {
    ticks_loop_->Start(shared_from_this());
    polls_loop_->Start(shared_from_this());
}

void Runner::Trigger() { ticks_loop_->Trigger(); }

asio::awaitable<void> Runner::Stop() {
    return PeriodicTask::StopAll({ticks_loop_, polls_loop_});
}

asio::awaitable<PeriodicTask::Wait> Runner::Tick() {
    const bool leader = !leadership_ || leadership_->IsLeader();
    if (leader && registry_->Ready()) co_await TickOnce();
    co_return options_.interval;
}

asio::awaitable<PeriodicTask::Wait> Runner::Poll() {
    const bool leader = !leadership_ || leadership_->IsLeader();
    if (leader && registry_->Ready()) {
        auto polled = co_await publisher_->Poll();
        if (!polled) spdlog::warn("publisher poll failed: {}", polled.error().message);
    }
    // Until the registry is ready, look again soon.
    co_return registry_->Ready() ? options_.publisher_poll : std::chrono::seconds(1);
}

asio::awaitable<Decision> Runner::TickOnce() {
    ++ticks_;
    Decision d;
    if (options_.autoscale) {
        const auto now = clock_.Now();
        auto snapshot = co_await hot_->Snapshot(now, registry_->Cutoff());
        if (!snapshot) {
            spdlog::warn("autoscaler: hot store unavailable: {}", snapshot.error().message);
            co_return d;
        }
        auto demand = co_await demand_->View(now);
        if (!demand) {
            spdlog::warn("autoscaler: demand unavailable: {}", demand.error().message);
            co_return d;
        }
        co_await MaybeAdopt();
        PolicyInput input;
        input.pending_creations = demand->creating;
        input.waiting_joins = demand->waiting;
        input.expected_arrivals = scale_up_->ExpectedArrivals();
        int viewers = 0;
        for (const auto& s : snapshot->stages) viewers += s.viewers;
        input.recent_peak = RecentPeak(viewers + demand->waiting);
        for (const auto& s : snapshot->stages) {
            StageView v;
            v.arn = s.arn;
            v.is_master = s.is_master || s.arn == registry_->MasterArn();
            v.pinned = !s.auto_scaled;
            v.draining = s.state == ports::StageState::draining;
            v.viewers = s.viewers;
            v.age = std::chrono::duration_cast<std::chrono::seconds>(now - s.created_at);
            if (s.draining_since) {
                v.draining_for =
                    std::chrono::duration_cast<std::chrono::seconds>(now - *s.draining_since);
            }
            input.stages.push_back(std::move(v));
        }
        d = Decide(input, options_.policy);
        if (!d.Empty()) {
            spdlog::info("autoscaler: create {} undrain {} drain {} delete {} ({})", d.create,
                         d.undrain.size(), d.drain.size(), d.remove.size(), d.reason);
            co_await Execute(d);
        }
    }
    auto reconciled = co_await fanout_->Reconcile(registry_->Cutoff());
    if (!reconciled) spdlog::warn("fan-out reconcile failed: {}", reconciled.error().message);
    co_return d;
}

asio::awaitable<Decision> Runner::Execute(const Decision& d) {
    for (const auto& arn : d.undrain) {
        auto r = co_await registry_->Undrain(arn);
        if (!r) spdlog::warn("autoscaler: undrain {} failed: {}", arn, r.error().message);
    }
    for (const auto& arn : d.drain) {
        auto r = co_await registry_->Drain(arn);
        if (!r) spdlog::warn("autoscaler: drain {} failed: {}", arn, r.error().message);
    }
    for (const auto& arn : d.remove) {
        auto r = co_await registry_->Delete(arn);
        if (!r) spdlog::warn("autoscaler: delete {} failed: {}", arn, r.error().message);
    }
    if (d.create > 0) {
        // ScaleUp works out the same want (plus what arrived since) and claims it.
        auto provisioned = co_await scale_up_->Provision(true);
        if (!provisioned && provisioned.error().code == Errc::unavailable) {
            spdlog::warn("autoscaler: create failed: {}", provisioned.error().message);
        }
    }
    co_return d;
}

asio::awaitable<void> Runner::MaybeAdopt() {
    const auto now = clock_.Steady();
    const std::uint64_t fence = leadership_ ? leadership_->FencingToken() : 1;
    if (adopted_at_ && fence == adopted_fence_ && now - *adopted_at_ < options_.adopt_interval) {
        co_return;
    }
    adopted_at_ = now;
    adopted_fence_ = fence;
    auto adopted = co_await registry_->AdoptOrphans();
    if (!adopted) spdlog::warn("autoscaler: orphan check failed: {}", adopted.error().message);
}

int Runner::RecentPeak(int demand) {
    const auto now = clock_.Steady();
    peaks_.emplace_back(now, demand);
    while (!peaks_.empty() && now - peaks_.front().first > options_.policy.warmup) {
        peaks_.pop_front();
    }
    int peak = 0;
    for (const auto& [_, p] : peaks_) peak = std::max(peak, p);
    return peak;
}

}  // namespace ivs::autoscaler
