#include <spdlog/spdlog.h>

#include "adapters/redis/redis_client.hpp"
#include "adapters/redis/redis_event_bus.hpp"
#include "adapters/redis/redis_hot_store.hpp"
#include "adapters/redis/redis_leadership.hpp"
#include "adapters/redis/redis_rate_limiter.hpp"
#include "adapters/redis/redis_session_stream.hpp"
#include "app/adapter_options.hpp"
#include "app/app_context.hpp"
#include "metrics/registry.hpp"
#include "ports/history_store.hpp"
#include "ports/hot_store.hpp"

namespace ivs {
namespace asio = boost::asio;
namespace redis = adapters::redis;

// Redis mode: every instance of a deployment shares the hot store, rate-limit counters, live
// events, the session outbox and one leader lease through Redis. Sets ctx.redis,
// ctx.hot_store and ctx.session_events (the Redis session stream).
void WireScaleOut(AppContext& ctx) {
    if (ctx.config.hot_store != HotStoreKind::redis) return;

    auto client = redis::MakeRedisClient(ctx.ioc, RedisOptionsOf(ctx.config));
    spdlog::info("scale-out: Redis {}:{} db {}{}, key prefix '{}', {} connection(s), instance {}",
                 ctx.config.redis_host, ctx.config.redis_port, ctx.config.redis_db,
                 ctx.config.redis_tls ? " (TLS)" : "", ctx.config.redis_key_prefix,
                 ctx.config.redis_connections, ctx.instance_id);
    ctx.redis = client;

    // Each further I/O thread gets a connection of its own for heartbeats.
    std::vector<std::shared_ptr<redis::RedisClient>> lane_clients;
    redis::RedisOptions lane_options = RedisOptionsOf(ctx.config);
    lane_options.connections = 1;
    for (asio::io_context* lane : ctx.lanes) {
        lane_clients.push_back(redis::MakeRedisClient(*lane, lane_options));
    }
    std::shared_ptr<ports::HotStore> hot = redis::MakeRedisHotStore(client, lane_clients);
    ctx.hot_store = hot;
    ctx.health_checks.push_back({"hotStore", "redis", [hot]() -> asio::awaitable<Status> {
                                     co_return co_await hot->Ping();
                                 }});

    ctx.rate_limiter = redis::MakeRedisRateLimiter(client);

    auto bus = redis::MakeRedisEventBus(ctx.ioc, client, ctx.instance_id);
    ctx.event_bus = bus;

    auto lead = std::make_shared<redis::RedisLeadership>(
        ctx.ioc, client, ctx.instance_id, std::chrono::seconds(ctx.config.leader_lease_seconds));
    ctx.leadership = lead;

    auto stream = redis::MakeRedisSessionStream(ctx.ioc, client, ctx.instance_id);
    ctx.session_events = stream;

    auto& registry = metrics::DefaultRegistry();
    auto& ready = registry.Gauges("ivs_redis_connections", "Redis connections by state", {"state"});
    auto& local = registry
                      .Gauges("ivs_session_events_pending",
                              "Session events waiting for their outbox", {"outbox"})
                      .WithLabels({"redis_stream"});
    ctx.metric_collectors.push_back([client, lane_clients, stream, &ready, &local] {
        int up = client->ReadyConnections();
        int all = client->Options().connections;
        for (const auto& c : lane_clients) {
            up += c->ReadyConnections();
            all += c->Options().connections;
        }
        ready.WithLabels({"ready"}).Set(up);
        ready.WithLabels({"down"}).Set(all - up);
        local.Set(static_cast<double>(stream->QueuedLocally()));
    });

    ctx.on_start.push_back([&ctx, lead, stream] {
        lead->Start();
        auto history = ctx.history_store;
        if (history) {
            stream->StartDrain(history, lead);
        } else {
            spdlog::error("scale-out: no history store registered; session events stay in Redis");
        }
    });
    ctx.on_stop.push_back([client, lane_clients, bus, lead, stream]() -> asio::awaitable<void> {
        co_await stream->Stop(std::chrono::seconds(5));
        co_await lead->Stop();
        bus->Stop();
        for (const auto& c : lane_clients) c->Stop();
        client->Stop();
    });
}

}  // namespace ivs
