#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "domain/stages/stage_directory.hpp"
#include "http/auth.hpp"
#include "http/health.hpp"
#include "http/pipeline.hpp"
#include "http/rate_limiter.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "ports/event_bus.hpp"
#include "ports/ivs_client.hpp"
#include "ports/leadership.hpp"
#include "ports/session_events.hpp"
#include "ports/token_signer.hpp"

namespace ivs {

namespace adapters::redis {
class RedisClient;
}
namespace audience {
class SeatSupply;
}
namespace emulator {
class Emulator;
}
namespace ports {
class AudienceStats;
class HistorySink;
class HistoryStore;
class HotStore;
class StageArchive;
}  // namespace ports
namespace publisher {
class PublisherTracker;
}
namespace stages {
class StageRegistry;
}
namespace ws {
class Hub;
}

// Everything the wiring steps share. Each Wire* step (one file each under app/) reads what the
// earlier steps made and adds its own parts. Owned by App; lives as long as the process serves.
struct AppContext {
    Config& config;
    boost::asio::io_context& ioc;
    Clock& clock;
    http::Router& router;
    std::string instance_id;
    // The further I/O threads' loops (lanes 1..n-1; lane 0 is `ioc`), for components that keep
    // one connection per I/O thread.
    std::vector<boost::asio::io_context*> lanes;

    // API keys and viewer session tokens (made by the audience step, which signs the tokens).
    std::unique_ptr<http::Authenticator> auth;

    // Replaceable by the Redis wiring (shared counters across instances).
    std::unique_ptr<http::RateLimiter> rate_limiter;
    std::vector<http::DependencyCheck> health_checks;
    std::vector<http::RequestObserver> request_observers;
    // Run at every /metrics scrape: each sets the gauges of its component's current state
    // (pools, queues), read from the component's own counters.
    std::vector<std::function<void()>> metric_collectors;

    std::shared_ptr<ports::IvsClient> ivs;
    // Stage endpoints by ARN, cached; made with `ivs` by the IVS step, shared by the token signer
    // and the stage side.
    std::shared_ptr<stages::StageDirectory> stage_directory;
    std::shared_ptr<ports::TokenSigner> token_signer;
    std::shared_ptr<ports::SessionEventSink> session_events;
    std::shared_ptr<ports::EventBus> event_bus;
    std::shared_ptr<ports::Leadership> leadership;

    // Made by one wiring step for later ones; null when the deployment mode has none.
    std::shared_ptr<adapters::redis::RedisClient> redis;       // scale-out (Redis) mode
    std::shared_ptr<ports::HotStore> hot_store;                // Redis or memory
    std::shared_ptr<emulator::Emulator> ivs_emulator;          // embedded IVS emulator
    std::shared_ptr<ports::HistoryStore> history_store;
    std::shared_ptr<ports::StageArchive> stage_archive;
    std::shared_ptr<ports::HistorySink> history_sink;          // events plus heartbeat checkpoints
    std::shared_ptr<stages::StageRegistry> stage_registry;
    std::shared_ptr<publisher::PublisherTracker> publisher_tracker;
    std::shared_ptr<audience::SeatSupply> seat_supply;
    std::shared_ptr<ports::AudienceStats> audience_stats;
    // A join at the scale-up threshold: the autoscaler acts now (set by the stage step).
    std::function<void()> autoscale_trigger;
    // A join seated on a stage IVS no longer has: the registry drops it (set by the stage step).
    std::function<boost::asio::awaitable<Status>(std::string arn)> stage_lost;
    std::shared_ptr<ws::Hub> ws_hub;

    // Called once after the listener is bound, on the caller's thread.
    std::vector<std::function<void()>> on_start;
    // Awaited in reverse order during graceful shutdown (stop jobs, flush queues).
    std::vector<std::function<boost::asio::awaitable<void>()>> on_stop;
    // Upgrade handlers (WebSocket) by path.
    http::UpgradeHandlers upgrades;
};

// The wiring steps, run in this order by App: each part is made after the parts it takes at
// construction (stores -> IVS and tokens -> stage side -> audience -> HTTP and WebSocket), so
// nothing is set on a part after it is made. Each throws std::runtime_error on start-up
// failures with a message naming what is wrong.
void WireScaleOut(AppContext& ctx);   // Redis connection, lease, pub/sub, shared rate limits
void WireIvs(AppContext& ctx);        // IVS client (emulator or AWS) and the token signer
void WireHistory(AppContext& ctx);    // history store, migrations, outbox, history routes
void WireHotStore(AppContext& ctx);   // the memory hot store unless scale-out made Redis's
void WireStages(AppContext& ctx);     // stage registry, autoscaler, fan-out, publisher, stats
void WireHistoryJobs(AppContext& ctx);  // snapshots of the audience, retention
void WireAudience(AppContext& ctx);   // seating, viewers, tokens, sweeper
void WireSandbox(AppContext& ctx);    // embedded emulator's events into the event path
void WireLive(AppContext& ctx);       // WebSocket, dashboard, metrics, CloudWatch, OpenAPI

}  // namespace ivs
