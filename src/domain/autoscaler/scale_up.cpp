#include "domain/autoscaler/scale_up.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace ivs::autoscaler {

namespace asio = boost::asio;

namespace {

constexpr int kRetryAfterSeconds = 5;
constexpr std::size_t kMaxSamples = 256;
constexpr double kDefaultLatencySeconds = 1.0;  // before the first CreateStage was measured
constexpr auto kQuotaMemory = std::chrono::seconds(10);

bool QuotaRefusal(Errc code) {
    return code == Errc::quota_exceeded || code == Errc::stage_limit_reached;
}

}  // namespace

ScaleUp::ScaleUp(asio::any_io_executor executor, std::shared_ptr<stages::StageRegistry> registry,
                 std::shared_ptr<ports::HotStore> hot, std::shared_ptr<ports::StageDemand> demand,
                 std::shared_ptr<ports::EventBus> events, const Clock& clock, ScaleUpOptions options)
    : executor_(std::move(executor)),
      registry_(std::move(registry)),
      hot_(std::move(hot)),
      demand_(std::move(demand)),
      events_(std::move(events)),
      clock_(clock),
      options_(options) {}

void ScaleUp::OnEvent(const ports::LiveEvent& event) {
    if (event.type == "stage_creation_failed") {
        const auto* quota = event.data.if_contains("quota");
        if (quota && quota->is_bool() && quota->as_bool()) {
            std::lock_guard lock(mu_);
            quota_refused_at_ = clock_.Steady();
        }
        signal_.Notify();
    } else if (event.type == "stage_created") {
        StageAppeared();
        signal_.Notify();
    }
}

void ScaleUp::StageAppeared() {
    std::lock_guard lock(mu_);
    if (!demand_since_) return;
    const double waited = std::chrono::duration<double>(clock_.Steady() - *demand_since_).count();
    demand_since_.reset();
    ++seat_waits_.episodes;
    seat_waits_.last_seconds = waited;
    seat_waits_.max_seconds = std::max(seat_waits_.max_seconds, waited);
    seat_waits_.total_seconds += waited;
}

SeatWaitFigures ScaleUp::SeatWaits() const {
    std::lock_guard lock(mu_);
    return seat_waits_;
}

Error ScaleUp::LimitError(bool quota) const {
    const int limit = options_.policy.max_stages;
    if (quota) {
        return Error(Errc::stage_limit_reached, "IVS refused to create another stage (quota)")
            .WithRetryAfter(kRetryAfterSeconds);
    }
    if (options_.replication_limit) {
        return Error(Errc::stage_limit_reached,
                     "Stage limit reached (" + std::to_string(limit) +
                         ": the master and the 5 stages it is replicated to)",
                     boost::json::object{{"maxStages", limit}});
    }
    return Error(Errc::stage_full, "All stages are full, please try again later")
        .WithRetryAfter(kRetryAfterSeconds);
}

asio::awaitable<Result<int>> ScaleUp::Provision(bool wait_for_creations) {
    const auto now = clock_.Now();
    auto snap = co_await hot_->Snapshot(now, registry_->Cutoff());
    if (!snap) co_return snap.error();
    auto view = co_await demand_->View(now);
    if (!view) co_return view.error();
    int viewers = 0;
    int active = 0;
    for (const auto& s : snap->stages) {
        viewers += s.viewers;
        if (s.state == ports::StageState::active) ++active;
    }
    const int registered = static_cast<int>(snap->stages.size());
    const int limit = options_.policy.max_stages;
    Sample(viewers + view->waiting);
    int desired = DesiredActive(viewers + view->waiting + ExpectedArrivals(), options_.policy);
    // A join is waiting although the policy sees enough stages (e.g. draining ones hold the
    // viewers) and nothing is on its way: one more stage. (The claim grants against this target
    // atomically, so concurrent callers do not each add one.)
    if (view->waiting > 0 && view->creating == 0) desired = std::max(desired, active + 1);
    const int want = desired - active - view->creating;
    bool quota_refused = false;
    {
        std::lock_guard lock(mu_);
        quota_refused = quota_refused_at_ && clock_.Steady() - *quota_refused_at_ < kQuotaMemory;
    }
    int granted = 0;
    std::shared_ptr<std::atomic<int>> left;
    // After IVS refused a creation for its quota, no new attempt for a while.
    if (want > 0 && !quota_refused && registered + view->creating < limit) {
        ports::ClaimRequest rq{want, desired, limit, now, now + options_.claim_ttl};
        auto claims = co_await demand_->Claim(rq);
        if (!claims) co_return claims.error();
        left = std::make_shared<std::atomic<int>>(static_cast<int>(claims->size()));
        for (auto& id : *claims) {
            ++granted;
            asio::co_spawn(co_await asio::this_coro::executor, Create(std::move(id), left),
                           asio::detached);
        }
        if (granted > 0) {
            spdlog::info("scale-up: creating {} stage(s) (viewers={} waiting={} active={} "
                         "creating={} wanted={})",
                         granted, viewers, view->waiting, active, view->creating, desired);
        }
    }
    while (wait_for_creations && granted > 0) {
        const auto seen = signal_.Generation();
        if (left->load() == 0) break;
        co_await signal_.Wait(seen, std::chrono::seconds(60));
    }
    const int under_way = view->creating + granted;
    if (under_way > 0) co_return under_way;
    if (registered >= limit) co_return LimitError(false);
    if (quota_refused) co_return LimitError(true);
    co_return 0;
}

void ScaleUp::ProvisionSoon() {
    provision_again_ = true;
    if (provisioning_.exchange(true)) return;
    auto self = shared_from_this();
    asio::co_spawn(
        executor_,
        [self]() -> asio::awaitable<void> {
            for (;;) {
                while (self->provision_again_.exchange(false)) {
                    auto p = co_await self->Provision();
                    if (!p && p.error().code == Errc::unavailable) {
                        spdlog::warn("scale-up: {}", p.error().message);
                    }
                }
                self->provisioning_ = false;
                // A request that came after the last run but saw it still running.
                if (!self->provision_again_.load() || self->provisioning_.exchange(true)) break;
            }
        },
        asio::detached);
}

asio::awaitable<void> ScaleUp::Create(std::string claim_id,
                                      std::shared_ptr<std::atomic<int>> left) {
    auto self = shared_from_this();
    ++started_;
    const auto began = clock_.Steady();
    auto created = co_await registry_->CreateClaimed(claim_id);
    if (created) {
        const double took = std::chrono::duration<double>(clock_.Steady() - began).count();
        {
            std::lock_guard lock(mu_);
            latency_s_ = latency_s_ <= 0 ? took : 0.7 * latency_s_ + 0.3 * took;
        }
        StageAppeared();
    } else {
        const bool quota = QuotaRefusal(created.error().code);
        spdlog::warn("scale-up: creating a stage failed: {}", created.error().message);
        if (quota) {
            std::lock_guard lock(mu_);
            quota_refused_at_ = clock_.Steady();
        }
        if (events_) {
            events_->Publish(ports::LiveEvent{"stage_creation_failed", {{"quota", quota}}});
        }
    }
    --*left;
    signal_.Notify();
}

void ScaleUp::Sample(int demand) {
    std::lock_guard lock(mu_);
    const auto now = clock_.Steady();
    samples_.emplace_back(now, demand);
    while (samples_.size() > kMaxSamples ||
           (samples_.size() > 2 && now - samples_.front().first > options_.rate_window)) {
        samples_.pop_front();
    }
}

int ScaleUp::ExpectedArrivals() const {
    std::lock_guard lock(mu_);
    if (samples_.size() < 2) return 0;
    const double span =
        std::chrono::duration<double>(samples_.back().first - samples_.front().first).count();
    if (span < 1.0) return 0;
    const double rate = std::max(0, samples_.back().second - samples_.front().second) / span;
    const double latency = latency_s_ > 0 ? latency_s_ : kDefaultLatencySeconds;
    return static_cast<int>(std::ceil(rate * latency));
}

double ScaleUp::CreateLatencySeconds() const {
    std::lock_guard lock(mu_);
    return latency_s_;
}

asio::awaitable<Status> ScaleUp::NeedSeat(std::string join_id, SystemTime until) {
    {
        std::lock_guard lock(mu_);
        if (!demand_since_) demand_since_ = clock_.Steady();
        waiting_here_.insert(join_id);
    }
    auto added = co_await demand_->AddWaiting(std::move(join_id), until);
    if (!added) co_return added.error();
    auto provisioned = co_await Provision();
    if (!provisioned) co_return provisioned.error();
    // Nothing under way but below the limit (another instance's claim took the target just
    // now): wait; the next wake or lapse provisions again.
    co_return Ok();
}

asio::awaitable<void> ScaleUp::Done(std::string join_id) {
    {
        std::lock_guard lock(mu_);
        // Every waiting join is served (a seat freed up) or gave up: no stage ended the wait.
        if (waiting_here_.erase(join_id) > 0 && waiting_here_.empty()) demand_since_.reset();
    }
    (void)co_await demand_->RemoveWaiting(std::move(join_id));
}

asio::awaitable<void> ScaleUp::WaitChange(std::uint64_t seen, std::chrono::milliseconds timeout) {
    // Never longer than a claim's life: a creator that died is noticed when its claim lapses.
    const auto cap = std::chrono::duration_cast<std::chrono::milliseconds>(options_.claim_ttl);
    co_await signal_.Wait(seen, std::min(timeout, cap));
}

}  // namespace ivs::autoscaler
