#include <spdlog/spdlog.h>

#include <boost/asio/awaitable.hpp>
#include <filesystem>

#include "adapters/history/history_factory.hpp"
#include "adapters/history/jobs/history_jobs.hpp"
#include "adapters/history/outbox/outbox_sink.hpp"
#include "app/adapter_options.hpp"
#include "app/app_context.hpp"
#include "http/handlers/history_handlers.hpp"
#include "metrics/registry.hpp"
#include "ports/audience_stats.hpp"

namespace ivs {

namespace asio = boost::asio;
namespace hist = adapters::history;

// History store (SQLite or PostgreSQL), its durable event sink, the snapshot and retention
// jobs, the history endpoints and the health probe.
//
// Sets ctx.history_store, ctx.stage_archive and ctx.history_sink (the session event sink plus
// RecordHeartbeats checkpoints; also ctx.session_events unless scale-out installed its own).
void WireHistory(AppContext& ctx) {
    hist::HistoryParts parts = hist::MakeHistory(HistoryOptionsOf(ctx.config));
    auto store = parts.store;
    spdlog::info("history store: {}", parts.description);

    hist::OutboxSinkOptions sink_options;
    sink_options.apply = parts.apply_sync;
    if (ctx.config.cold_store == ColdStoreKind::postgres) {
        // Events survive a PostgreSQL outage (and a restart during one) in a local file.
        sink_options.outbox_path =
            (std::filesystem::path(ctx.config.data_dir) / "outbox.db").string();
    }
    if (ctx.config.hot_store == HotStoreKind::memory) {
        // Single process: every session still open in the history store belongs to a previous
        // process that stopped without ending it. Close those at their last heartbeat, after
        // the previous process's queued events have been applied.
        auto started_at = ctx.clock.Now();
        sink_options.after_first_drain = [close = parts.close_open_sync, started_at]() -> Status {
            auto closed = close(started_at, "restart");
            if (!closed) return closed.error();
            if (*closed > 0) {
                spdlog::info("history: closed {} session(s) left open by the previous run",
                             *closed);
            }
            return Ok();
        };
    }
    auto sink = std::make_shared<hist::OutboxSink>(std::move(sink_options));
    if (!ctx.session_events) {
        ctx.session_events = sink;
    } else {
        spdlog::info("history: session events go through the scale-out outbox");
    }

    ctx.history_store = store;
    ctx.stage_archive = store;
    ctx.history_sink = sink;

    auto& registry = metrics::DefaultRegistry();
    auto& pending = registry
                        .Gauges("ivs_session_events_pending",
                                "Session events waiting for their outbox", {"outbox"})
                        .WithLabels({"history"});
    auto& pool = registry.Gauges("ivs_history_pool_connections",
                                 "History store connections by state", {"store", "state"});
    auto& queued = registry
                       .Gauges("ivs_history_pool_queued", "History store jobs waiting", {"store"})
                       .WithLabels({std::string(store->Kind())});
    ctx.metric_collectors.push_back([sink, store, &pending, &pool, &queued] {
        pending.Set(static_cast<double>(sink->Pending()));
        const auto state = store->PoolState();
        const std::string kind(store->Kind());
        pool.WithLabels({kind, "busy"}).Set(state.busy);
        pool.WithLabels({kind, "idle"}).Set(state.connections - state.busy);
        queued.Set(static_cast<double>(state.queued));
    });

    ctx.health_checks.push_back(
        {"historyStore", std::string(store->Kind()),
         [store]() -> asio::awaitable<Status> { co_return co_await store->Ping(); }});

    http::RegisterHistoryRoutes(ctx.router, store, ctx.clock);

    ctx.on_stop.push_back([sink]() -> asio::awaitable<void> {
        sink->Stop(std::chrono::seconds(3));
        co_return;
    });
}

// The snapshot and retention jobs (leader only). After the stage step: snapshots record the
// audience it makes.
void WireHistoryJobs(AppContext& ctx) {
    if (!ctx.audience_stats) spdlog::warn("history: no audience statistics, snapshots are off");
    hist::HistoryJobsOptions job_options;
    job_options.snapshot_interval = std::chrono::seconds(ctx.config.snapshot_interval_seconds);
    job_options.retention_days = ctx.config.retention_days;
    job_options.session_retention_days = ctx.config.session_retention_days;
    auto jobs = std::make_shared<hist::HistoryJobs>(ctx.ioc.get_executor(), ctx.history_store,
                                                    ctx.audience_stats, ctx.leadership, ctx.clock,
                                                    job_options);
    ctx.on_start.push_back([jobs] { jobs->Start(); });
    ctx.on_stop.push_back([jobs]() -> asio::awaitable<void> { co_await jobs->Stop(); });
}

}  // namespace ivs
