#include "app/app.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <thread>
#include <filesystem>
#include <mutex>

#include "adapters/local/local_event_bus.hpp"
#include "adapters/redis/redis_client.hpp"
#include "app/adapter_options.hpp"
#include "app/app_context.hpp"
#include "app/secrets.hpp"
#include "core/random.hpp"
#include "core/clock.hpp"
#include "core/event_loop.hpp"
#include "core/lane.hpp"
#include "domain/stages/stage_registry.hpp"
#include "http/auth.hpp"
#include "http/handlers/system_handlers.hpp"
#include "http/pipeline.hpp"
#include "http/rate_limiter.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace ivs {
namespace asio = boost::asio;

std::string DescribeModes(const Config& c, std::string_view verb) {
    auto hot = c.hot_store == HotStoreKind::redis ? "redis" : "memory";
    auto cold = c.cold_store == ColdStoreKind::postgres ? "postgres" : "sqlite";
    auto ivs = c.ivs_backend == IvsBackendKind::aws ? "aws" : "emulator (in-process)";
    auto signing = c.token_signing == TokenSigningKind::api ? "CreateParticipantToken"
                   : c.token_signing_library == TokenSigningLibrary::openssl
                       ? "self-signed ES384 (OpenSSL)"
                       : "self-signed ES384 (Nettle)";
    return fmt::format(
        "ivs-server {} {}: hot store={} ({}), history={} ({}), ivs={} ({}), tokens={}, "
        "fan-out={}, port={}, io threads={}",
        IVS_VERSION, verb, hot, c.hot_store_reason, cold, c.cold_store_reason, ivs,
        c.ivs_backend_reason, signing,
        c.fanout_mode == FanoutMode::replication ? "replication" : "mediaserver", c.api_port,
        c.ResolvedIoThreads());
}

// One of the I/O threads beside the main one: an io_context of its own, where the listener
// places a share of the connections. Kept running while idle until the app stops.
struct Lane {
    asio::io_context ioc{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
};

struct App::Impl {
    Impl(Config c, Clock& clock, RandomSource& random)
        : config(std::move(c)), clock(clock), random(random), ioc(1) {
        for (int i = 1; i < config.ResolvedIoThreads(); ++i) {
            lanes.push_back(std::make_unique<Lane>());
        }
    }

    Config config;
    // How long an I/O thread with nothing to do looks for work before sleeping (RunEventLoop).
    const std::chrono::microseconds io_spin{config.io_spin_microseconds};
    Clock& clock;
    RandomSource& random;
    // The main I/O thread runs `ioc`: background jobs, store clients and a share of the
    // connections. Each further I/O thread runs one lane, which holds only connections; a
    // request is served start to finish on its connection's thread.
    asio::io_context ioc;
    std::vector<std::unique_ptr<Lane>> lanes;
    std::unique_ptr<http::Router> router;
    std::unique_ptr<AppContext> ctx;
    std::unique_ptr<http::Pipeline> pipeline;
    std::unique_ptr<http::Server> server;
    std::unique_ptr<asio::signal_set> signals;
    std::vector<std::thread> threads;
    std::atomic<bool> shutting_down{false};
    // Set once the components have stopped; the shutdown watchdog waits for it.
    struct Stopped {
        std::mutex mu;
        std::condition_variable cv;
        bool done = false;
    };
    std::shared_ptr<Stopped> stopped = std::make_shared<Stopped>();
    std::mutex threads_mu;

    void EnsureApiKey() {
        if (!config.api_keys.empty() || config.skip_auth) return;
        // No key configured: never serve an open API. Generate one the operator can read.
        std::string secret = LoadOrCreateSecret(config.data_dir, "api-key", 24);
        config.api_keys.push_back({"generated", Scope::admin, secret, 0});
        spdlog::warn(
            "no API key configured (API_SECRET_KEY / API_KEYS): using the admin key stored in {}",
            (std::filesystem::path(config.data_dir) / "api-key").string());
    }

    http::HealthFacts HealthFacts() const {
        http::HealthFacts facts;
        if (auto redis = ctx->redis) {
            facts.redis_connected = [redis] { return redis->Connected(); };
        }
        if (auto stages = ctx->stage_registry) {
            facts.stage_configured = [stages] { return !stages->MasterArn().empty(); };
        }
        facts.extra_data = [lead = ctx->leadership] {
            return boost::json::object{
                {"instance",
                 boost::json::object{{"id", lead->InstanceId()}, {"leader", lead->IsLeader()}}}};
        };
        return facts;
    }

    void Build() {
        EnsureDirectory(config.data_dir);
        EnsureApiKey();
        if (config.instance_id.empty()) config.instance_id = random.Alnum(8);
        router = std::make_unique<http::Router>();
        ctx = std::make_unique<AppContext>(
            AppContext{config, ioc, clock, *router, config.instance_id});
        for (auto& lane : lanes) ctx->lanes.push_back(&lane->ioc);
        ctx->rate_limiter = http::MakeMemoryRateLimiter(ctx->clock);
        ctx->event_bus = adapters::MakeLocalEventBus();
        ctx->leadership = adapters::MakeLocalLeadership(config.instance_id);

        WireScaleOut(*ctx);
        WireIvs(*ctx);
        WireHistory(*ctx);
        WireHotStore(*ctx);
        WireStages(*ctx);
        WireHistoryJobs(*ctx);
        WireAudience(*ctx);
        WireSandbox(*ctx);
        WireLive(*ctx);

        http::RegisterSystemRoutes(*router, SystemOptionsOf(config), ctx->health_checks, HealthFacts());
        http::RequestObserver observer;
        if (!ctx->request_observers.empty()) {
            observer = [observers = ctx->request_observers](const http::RequestRecord& r) {
                for (const auto& o : observers) o(r);
            };
        }
        pipeline = std::make_unique<http::Pipeline>(PipelineOptionsOf(config), *router, *ctx->auth,
                                                    *ctx->rate_limiter, std::move(observer));
        http::ConnectionLanes executors{ioc.get_executor()};
        for (auto& lane : lanes) executors.push_back(lane->ioc.get_executor());
        server = std::make_unique<http::Server>(ioc, ServerOptionsOf(config), *pipeline,
                                                ctx->upgrades, std::move(executors));
    }

    // The main thread's loop: when it ends (shutdown complete), the lanes end too.
    void RunMain() {
        RunEventLoop(ioc, io_spin);
        for (auto& lane : lanes) {
            lane->guard.reset();
            lane->ioc.stop();
        }
    }

    // Starts one thread per lane, and the main loop on a thread of its own unless the caller
    // runs it.
    void StartThreads(bool main_in_background) {
        std::lock_guard lock(threads_mu);
        int index = 0;
        for (auto& lane : lanes) {
            threads.emplace_back([this, l = lane.get(), i = ++index] {
                SetCurrentLane(i);
                RunEventLoop(l->ioc, io_spin);
            });
        }
        if (main_in_background) threads.emplace_back([this] { RunMain(); });
    }

    void BeginShutdown() {
        if (shutting_down.exchange(true)) return;
        spdlog::info("shutting down: no new connections, finishing requests in flight");
        server->BeginShutdown();
        // Real time, whatever the injected clock says: the process must stop within the grace.
        auto timer = std::make_shared<asio::steady_timer>(ioc);
        auto deadline =
            std::chrono::steady_clock::now() + std::chrono::seconds(config.shutdown_grace_seconds);
        StartWatchdog();
        WaitForDrain(timer, deadline);
    }

    // SHUTDOWN_GRACE_SECONDS is a promise: whatever a dependency does (a stop step that never
    // finishes), the process exits 0 when the grace period ends.
    void StartWatchdog() {
        std::thread([stopped = stopped, grace = config.shutdown_grace_seconds] {
            std::unique_lock lock(stopped->mu);
            auto limit = std::chrono::seconds(grace);
            if (stopped->cv.wait_for(lock, limit, [&] { return stopped->done; })) return;
            spdlog::error("shutdown still running {} s after SIGTERM: exiting now", grace);
            spdlog::default_logger()->flush();
            std::_Exit(0);
        }).detach();
    }

    void MarkStopped() {
        std::lock_guard lock(stopped->mu);
        stopped->done = true;
        stopped->cv.notify_all();
    }

    asio::awaitable<void> StopComponents() {
        for (auto it = ctx->on_stop.rbegin(); it != ctx->on_stop.rend(); ++it) {
            try {
                co_await (*it)();
            } catch (const std::exception& e) {
                spdlog::warn("error while stopping: {}", e.what());
            }
        }
    }

    void WaitForDrain(std::shared_ptr<asio::steady_timer> timer,
                      std::chrono::steady_clock::time_point deadline) {
        if (server->ActiveConnections() == 0 || std::chrono::steady_clock::now() >= deadline) {
            if (server->ActiveConnections() > 0) {
                spdlog::warn("grace period over with {} connection(s) open",
                             server->ActiveConnections());
            }
            if (signals) signals->cancel();
            asio::co_spawn(ioc, StopComponents(), [this](std::exception_ptr) {
                MarkStopped();
                ioc.stop();
            });
            return;
        }
        timer->expires_after(std::chrono::milliseconds(20));
        timer->async_wait([this, timer, deadline](const boost::system::error_code&) {
            WaitForDrain(timer, deadline);
        });
    }
};

App::App(Config config, Clock& clock, RandomSource& random)
    : impl_(std::make_unique<Impl>(std::move(config), clock, random)) {
    impl_->Build();
}

App::~App() { Stop(); }

void App::Start() {
    impl_->server->Start(impl_->config.api_host, static_cast<unsigned short>(impl_->config.api_port));
    impl_->signals = std::make_unique<asio::signal_set>(impl_->ioc, SIGINT, SIGTERM);
    impl_->signals->async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("received signal {}", sig);
        impl_->BeginShutdown();
    });
    for (auto& f : impl_->ctx->on_start) f();
    spdlog::info("listening on {}:{}", impl_->config.api_host, Port());
}

unsigned short App::Port() const { return impl_->server->Port(); }

const Config& App::config() const { return impl_->config; }

const http::Router& App::Routes() const { return *impl_->router; }

std::shared_ptr<emulator::Emulator> App::Emulator() const { return impl_->ctx->ivs_emulator; }

void App::Run() {
    impl_->StartThreads(false);
    impl_->RunMain();
    std::lock_guard lock(impl_->threads_mu);
    for (auto& t : impl_->threads) {
        if (t.joinable()) t.join();
    }
    impl_->threads.clear();
}

void App::RunInBackground() { impl_->StartThreads(true); }

void App::Shutdown() {
    asio::post(impl_->ioc, [this] { impl_->BeginShutdown(); });
}

void App::Stop() {
    if (!impl_) return;
    Shutdown();
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(impl_->threads_mu);
        threads.swap(impl_->threads);
    }
    for (auto& t : threads) {
        if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
    }
}

}  // namespace ivs
