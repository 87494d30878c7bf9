#include <spdlog/spdlog.h>

#include <algorithm>

#include "adapters/hot_store/memory/memory_hot_store.hpp"
#include "app/adapter_options.hpp"
#include "app/app_context.hpp"
#include "app/secrets.hpp"
#include "app/shared_secret.hpp"
#include "domain/audience/audience_service.hpp"
#include "domain/audience/session_sweeper.hpp"
#include "http/handlers/token_handlers.hpp"
#include "http/handlers/viewer_handlers.hpp"

namespace ivs {
namespace {

std::string SessionSecret(const Config& cfg) {
    if (!cfg.session_secret.empty()) return cfg.session_secret;
    if (cfg.hot_store == HotStoreKind::redis) {
        // Every instance must sign with the same key: the first one stores it in Redis.
        std::string secret = SharedRedisSecret(cfg, "session-secret", std::chrono::seconds(15));
        spdlog::info("SESSION_SECRET is not set: using the session secret shared in Redis ({}{})",
                     cfg.redis_key_prefix, "session-secret");
        return secret;
    }
    return LoadOrCreateSecret(cfg.data_dir, "session-secret", 32);
}

audience::AudienceOptions OptionsFrom(const Config& cfg) {
    audience::AudienceOptions o;
    o.stage_capacity = cfg.stage_capacity;
    o.scale_up_threshold = cfg.scale_up_threshold;
    o.heartbeat_interval_seconds = cfg.heartbeat_interval_seconds;
    o.heartbeat_timeout_seconds = cfg.heartbeat_timeout_seconds;
    o.seat_wait_seconds = cfg.seat_wait_seconds;
    o.viewer_token_ttl_minutes = cfg.viewer_token_ttl_minutes;
    o.publisher_token_ttl_minutes = cfg.publisher_token_ttl_minutes;
    o.mediaserver_token_ttl_minutes = cfg.mediaserver_token_ttl_minutes;
    o.require_live_publisher = cfg.require_live_publisher;
    o.master_stage_arn = cfg.master_stage_arn;
    return o;
}

}  // namespace

// The scale-out step makes the Redis hot store (and its health check); otherwise this process
// keeps it in memory.
void WireHotStore(AppContext& ctx) {
    if (ctx.hot_store) return;
    auto hot = adapters::MakeMemoryHotStore(ctx.clock);
    ctx.hot_store = hot;
    ctx.health_checks.push_back({"hotStore", "memory", [hot]() -> boost::asio::awaitable<Status> {
                                     co_return co_await hot->Ping();
                                 }});
}

void WireAudience(AppContext& ctx) {
    const Config& cfg = ctx.config;
    auto hot = ctx.hot_store;

    // Session tokens live as long as the viewer's IVS token plus one heartbeat timeout.
    auto codec = std::make_shared<audience::SessionTokenCodec>(
        SessionSecret(cfg), ctx.clock,
        std::chrono::minutes(cfg.viewer_token_ttl_minutes) +
            std::chrono::seconds(cfg.heartbeat_timeout_seconds));
    ctx.auth = std::make_unique<http::Authenticator>(
        AuthOptionsOf(cfg), [codec](std::string_view token) -> std::optional<http::SessionClaims> {
            auto ticket = codec->Verify(token);
            if (!ticket) return std::nullopt;
            return http::SessionClaims{ticket->session_id, ticket->user_id, ticket->stage_arn};
        });

    audience::AudienceDeps deps;
    deps.hot_store = hot;
    deps.token_signer = ctx.token_signer;
    deps.ivs = ctx.ivs;
    deps.session_events = ctx.session_events;
    deps.event_bus = ctx.event_bus;
    deps.session_tokens = codec;
    deps.clock = &ctx.clock;
    // Made by the stage step, wired before this one.
    deps.autoscale_trigger = ctx.autoscale_trigger;
    deps.stage_lost = ctx.stage_lost;
    deps.seat_supply = ctx.seat_supply;
    if (!ctx.token_signer) spdlog::warn("no token signer wired: token endpoints will fail");
    auto service = std::make_shared<audience::AudienceService>(OptionsFrom(cfg), std::move(deps));

    http::RegisterTokenRoutes(ctx.router, service, cfg.internal_secret);
    http::RegisterViewerRoutes(ctx.router, service);

    auto sweeper = std::make_shared<audience::SessionSweeper>(
        ctx.ioc.get_executor(), service, ctx.leadership,
        audience::SessionSweeper::IntervalFor(cfg.heartbeat_timeout_seconds),
        // Checkpoints go to the history sink (wired by the history step, before this one).
        audience::SessionSweeper::Checkpoints{
            ctx.history_sink, std::chrono::seconds(cfg.heartbeat_checkpoint_seconds)});
    ctx.on_start.push_back([sweeper] { sweeper->Start(); });
    ctx.on_stop.push_back([sweeper]() -> boost::asio::awaitable<void> { co_await sweeper->Stop(); });
}

}  // namespace ivs
