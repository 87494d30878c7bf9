#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <spdlog/spdlog.h>

#include <atomic>

#include "adapters/local/local_stage_demand.hpp"
#include "adapters/redis/redis_stage_demand.hpp"
#include "app/app_context.hpp"
#include "domain/audience/audience_service.hpp"
#include "domain/autoscaler/runner.hpp"
#include "domain/autoscaler/scale_up.hpp"
#include "domain/publisher/publisher_tracker.hpp"
#include "domain/stages/fanout.hpp"
#include "domain/stages/stage_directory.hpp"
#include "domain/stages/stage_registry.hpp"
#include "domain/stats/audience_stats_service.hpp"
#include "http/handlers/events_handlers.hpp"
#include "http/handlers/stage_handlers.hpp"
#include "http/handlers/stats_handlers.hpp"
#include "metrics/registry.hpp"
#include "ports/stage_archive.hpp"

namespace ivs {
namespace {

namespace asio = boost::asio;

// IVS allows 5 replicas per participant: master + 5 fan-out stages.
constexpr int kMaxReplicatedStages = 6;
// Seconds a publisher may drop and come back without IVS ending its replications.
constexpr int kReconnectWindowSeconds = 60;

// Starts the registry, retrying while IVS or the hot store is unreachable.
asio::awaitable<void> Bootstrap(std::shared_ptr<stages::StageRegistry> registry,
                                std::shared_ptr<autoscaler::Runner> runner,
                                std::shared_ptr<std::atomic<bool>> stopping) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (int attempt = 1; !*stopping; ++attempt) {
        auto started = co_await registry->Start();
        if (started) {
            runner->Trigger();
            co_return;
        }
        spdlog::error("stage registry not started (attempt {}): {}", attempt,
                      started.error().message);
        timer.expires_after(std::chrono::seconds(std::min(attempt, 10)));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

// How long joins that found every stage full waited for the next stage (see ScaleUp::SeatWaits).
void CollectSeatWaits(AppContext& ctx, std::shared_ptr<autoscaler::ScaleUp> scale_up) {
    auto& registry = metrics::DefaultRegistry();
    auto& episodes = registry
                         .Counters("ivs_seat_wait_episodes_total",
                                   "Times joins found every stage full and a new stage ended the wait")
                         .WithLabels({});
    auto& last = registry
                     .Gauges("ivs_seat_wait_last_seconds",
                             "From the first join that found no seat to the next stage, last time")
                     .WithLabels({});
    auto& longest = registry
                        .Gauges("ivs_seat_wait_max_seconds",
                                "From the first join that found no seat to the next stage, longest")
                        .WithLabels({});
    auto counted = std::make_shared<std::atomic<std::uint64_t>>(0);
    ctx.metric_collectors.push_back([weak = std::weak_ptr(scale_up), counted, &episodes, &last,
                                     &longest] {
        auto s = weak.lock();
        if (!s) return;
        const auto figures = s->SeatWaits();
        const std::uint64_t before = counted->exchange(figures.episodes);
        if (figures.episodes > before) episodes.Inc(static_cast<double>(figures.episodes - before));
        last.Set(figures.last_seconds);
        longest.Set(figures.max_seconds);
    });
}

// The stage limit in effect. IVS replicates a participant to at most 5 stages: in replication
// mode no viewer is seated on a stage the publisher cannot reach, so the effective limit is the
// master plus 5.
struct StageLimit {
    bool replication = false;
    bool limited = false;  // MAX_STAGES lowered to the replication limit
    int max_stages = 0;
};

StageLimit StageLimitOf(const Config& cfg) {
    StageLimit limit;
    limit.replication = cfg.fanout_mode == FanoutMode::replication;
    limit.limited = limit.replication && cfg.max_stages > kMaxReplicatedStages;
    limit.max_stages = limit.limited ? kMaxReplicatedStages : cfg.max_stages;
    if (limit.limited) {
        spdlog::warn(
            "MAX_STAGES={} with FANOUT_MODE=replication: IVS replicates a participant to at most 5 "
            "stages, so at most {} stages (the master plus 5) are used; joins beyond them get "
            "STAGE_LIMIT_REACHED (FANOUT_MODE=mediaserver has no such limit)",
            cfg.max_stages, limit.max_stages);
    }
    return limit;
}

stages::RegistryOptions RegistryOptionsOf(const Config& cfg, const StageLimit& limit) {
    stages::RegistryOptions options;
    options.deployment_id = cfg.deployment_id;
    options.name_prefix = cfg.stage_name_prefix;
    options.environment = cfg.node_env;
    options.master_stage_arn = cfg.master_stage_arn;
    options.create_master = cfg.ivs_backend == IvsBackendKind::local;
    options.max_stages = limit.max_stages;
    options.heartbeat_timeout = std::chrono::seconds(cfg.heartbeat_timeout_seconds);
    return options;
}

autoscaler::RunnerOptions RunnerOptionsOf(const Config& cfg, const StageLimit& limit) {
    autoscaler::RunnerOptions o;
    o.policy = autoscaler::PolicyConfig{.capacity = cfg.stage_capacity,
                                        .scale_up_threshold = cfg.scale_up_threshold,
                                        .scale_down_threshold = cfg.scale_down_threshold,
                                        .spare_stages = cfg.spare_stages,
                                        .max_stages = limit.max_stages,
                                        .warmup = std::chrono::seconds(cfg.stage_warmup_seconds),
                                        .drain_timeout =
                                            std::chrono::seconds(cfg.drain_timeout_seconds)};
    o.interval = std::chrono::seconds(cfg.autoscale_interval_seconds);
    o.publisher_poll = std::chrono::seconds(cfg.publisher_poll_seconds);
    o.autoscale = cfg.autoscale_enabled;
    return o;
}

// A stage created by another instance: its endpoints come with the stage_created event.
void RememberStagesOfOtherInstances(ports::EventBus& bus,
                                    std::shared_ptr<stages::StageDirectory> directory) {
    bus.Subscribe([directory](const ports::LiveEvent& e) {
        const auto* ep = e.data.if_contains("endpoints");
        const auto* arn = e.data.if_contains("stageArn");
        if (e.type != "stage_created" || !ep || !ep->is_object() || !arn || !arn->is_string()) {
            return;
        }
        auto text = [&](const char* k) {
            const auto* v = ep->as_object().if_contains(k);
            return v && v->is_string() ? std::string(v->as_string()) : std::string();
        };
        ports::Stage stage;
        stage.arn = std::string(arn->as_string());
        stage.endpoints = {text("events"), text("whip"), text("rtmp"), text("rtmps")};
        if (!stage.endpoints.events.empty()) directory->Remember(stage);
    });
}

// Embedded mode: the emulator and the memory store answer without suspending, so the master
// can be registered before the first request (the publisher token needs it). The full start
// (archive, reconcile) still runs in the background.
void PrepareMasterNow(stages::StageRegistry& registry) {
    asio::io_context once;
    auto done = asio::co_spawn(once, registry.PrepareMaster(), asio::use_future);
    once.run();
    if (done.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        auto prepared = done.get();
        if (!prepared) spdlog::warn("master stage not ready: {}", prepared.error().message);
    }
}

// The parts of the stage side: those the stage routes work with (demand, fan-out, registry,
// publisher tracker, statistics), then the scale-up and the autoscaler runner.
struct StageParts {
    http::StagesApi api;
    std::shared_ptr<autoscaler::ScaleUp> scale_up;
    std::shared_ptr<autoscaler::Runner> runner;
};

void RegisterStageApi(AppContext& ctx, const StageParts& parts, const StageLimit& limit) {
    auto api = std::make_shared<http::StagesApi>(parts.api);
    api->ivs = ctx.ivs;
    api->aws_region = ctx.config.aws_region;
    api->aws_account_id = ctx.config.aws_account_id;
    api->max_stages = ctx.config.max_stages;
    api->effective_max_stages = limit.max_stages;
    http::RegisterStageRoutes(ctx.router, api);
    http::RegisterStatsRoutes(ctx.router, api);
    http::RegisterEventRoutes(ctx.router, api);
}

// A join at the threshold: the leader ticks; any other instance pre-warms by itself (its
// claims count against the same targets, so instances do not add up).
std::function<void()> AutoscaleTrigger(AppContext& ctx, const StageParts& parts) {
    return [runner = std::weak_ptr<autoscaler::Runner>(parts.runner),
            scale = std::weak_ptr<autoscaler::ScaleUp>(parts.scale_up), leadership = ctx.leadership,
            registry = parts.api.registry, enabled = ctx.config.autoscale_enabled] {
        if (leadership && !leadership->IsLeader()) {
            auto s = scale.lock();
            if (s && enabled && registry->Ready()) s->ProvisionSoon();
            return;
        }
        if (auto r = runner.lock()) r->Trigger();
    };
}

StageParts MakeStageParts(AppContext& ctx, const StageLimit& limit) {
    const Config& cfg = ctx.config;
    auto hot = ctx.hot_store;
    StageParts p;
    if (ctx.redis) {
        p.api.demand = adapters::redis::MakeRedisStageDemand(ctx.redis);
    } else {
        p.api.demand = adapters::MakeLocalStageDemand(hot);
    }
    auto directory = ctx.stage_directory;
    p.api.fanout = std::make_shared<stages::FanOut>(ctx.ivs, hot, directory, ctx.clock,
                                                    limit.replication, kReconnectWindowSeconds);
    stages::RegistryDeps deps{
        ctx.ivs,   hot,          ctx.stage_archive, ctx.event_bus, ctx.session_events,
        directory, p.api.fanout, p.api.demand,      &ctx.clock};
    p.api.registry =
        std::make_shared<stages::StageRegistry>(std::move(deps), RegistryOptionsOf(cfg, limit));
    // The tracker is made before the runner it wakes on a publisher change; the wake-up reaches
    // the runner once it exists.
    auto wake = std::make_shared<std::weak_ptr<autoscaler::Runner>>();
    p.api.publisher = std::make_shared<publisher::PublisherTracker>(
        ctx.ivs, hot, directory, ctx.event_bus, ctx.clock, [wake] {
            if (auto r = wake->lock()) r->Trigger();
        });
    p.api.stats = std::make_shared<stats::AudienceStatsService>(
        hot, ctx.clock, std::chrono::seconds(cfg.heartbeat_timeout_seconds));
    autoscaler::RunnerOptions runner_options = RunnerOptionsOf(cfg, limit);
    autoscaler::ScaleUpOptions scale_options;
    scale_options.policy = runner_options.policy;
    scale_options.replication_limit = limit.limited;
    p.scale_up = std::make_shared<autoscaler::ScaleUp>(ctx.ioc.get_executor(), p.api.registry, hot,
                                                       p.api.demand, ctx.event_bus, ctx.clock,
                                                       scale_options);
    p.runner = std::make_shared<autoscaler::Runner>(
        ctx.ioc.get_executor(), p.api.registry, p.api.fanout, p.api.publisher, hot, ctx.leadership,
        p.scale_up, p.api.demand, ctx.clock, runner_options);
    *wake = p.runner;
    return p;
}

}  // namespace

void WireStages(AppContext& ctx) {
    if (!ctx.hot_store || !ctx.ivs) {
        spdlog::warn("stages not wired: {} missing", ctx.hot_store ? "IVS client" : "hot store");
        return;
    }
    const StageLimit limit = StageLimitOf(ctx.config);
    StageParts parts = MakeStageParts(ctx, limit);
    CollectSeatWaits(ctx, parts.scale_up);
    if (ctx.event_bus) {
        RememberStagesOfOtherInstances(*ctx.event_bus, ctx.stage_directory);
        ctx.event_bus->Subscribe(
            [weak = std::weak_ptr<autoscaler::ScaleUp>(parts.scale_up)](const ports::LiveEvent& e) {
                if (auto s = weak.lock()) s->OnEvent(e);
            });
    }

    ctx.stage_registry = parts.api.registry;
    ctx.publisher_tracker = parts.api.publisher;
    ctx.seat_supply = parts.scale_up;
    ctx.audience_stats = parts.api.stats;
    ctx.autoscale_trigger = AutoscaleTrigger(ctx, parts);
    // A join whose token IVS refused for an unknown stage: drop the stage, then let the
    // autoscaler replace the capacity at once.
    ctx.stage_lost = [registry = parts.api.registry,
                      trigger = ctx.autoscale_trigger](std::string arn) -> asio::awaitable<Status> {
        auto dropped = co_await registry->DropVanished(std::move(arn));
        trigger();
        co_return dropped;
    };
    RegisterStageApi(ctx, parts, limit);

    if (ctx.config.ivs_backend == IvsBackendKind::local &&
        ctx.config.hot_store == HotStoreKind::memory) {
        PrepareMasterNow(*parts.api.registry);
    }

    auto stopping = std::make_shared<std::atomic<bool>>(false);
    ctx.on_start.push_back(
        [&ioc = ctx.ioc, registry = parts.api.registry, runner = parts.runner, stopping] {
            runner->Start();
            asio::co_spawn(ioc, Bootstrap(registry, runner, stopping), asio::detached);
        });
    ctx.on_stop.push_back([runner = parts.runner, stopping]() -> asio::awaitable<void> {
        *stopping = true;
        co_await runner->Stop();
    });
}

}  // namespace ivs
