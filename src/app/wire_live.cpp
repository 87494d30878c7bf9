#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "adapters/aws/credentials.hpp"
#include "adapters/aws/http_client.hpp"
#include "adapters/cloudwatch/cloudwatch_reporter.hpp"
#include "app/adapter_options.hpp"
#include "app/app_context.hpp"
#include "ws/live_handlers.hpp"
#include "http/handlers/openapi.hpp"
#include "http/reply.hpp"
#include "metrics/process_metrics.hpp"
#include "metrics/registry.hpp"
#include "ports/audience_stats.hpp"
#include "ws/hub.hpp"
#include "ws/live_feed.hpp"
#include "ws/ws_endpoint.hpp"

namespace ivs {
namespace asio = boost::asio;

namespace {

// /metrics on its own port (METRICS_PORT), so it can stay off the public listener.
struct MetricsListener {
    http::Router router;
    std::unique_ptr<http::Pipeline> pipeline;
    std::unique_ptr<http::Server> server;
};

void WireMetricsPort(AppContext& ctx, const std::shared_ptr<http::LiveGauges>& gauges) {
    if (ctx.config.metrics_port == 0) return;
    auto listener = std::make_shared<MetricsListener>();
    http::RegisterMetricsRoute(listener->router, gauges, metrics::DefaultRegistry());
    listener->pipeline = std::make_unique<http::Pipeline>(PipelineOptionsOf(ctx.config), listener->router, *ctx.auth,
                                                          *ctx.rate_limiter);
    listener->server = std::make_unique<http::Server>(ctx.ioc, ServerOptionsOf(ctx.config),
                                                      *listener->pipeline);
    ctx.on_start.push_back([listener, &config = ctx.config] {
        listener->server->Start(config.api_host, static_cast<unsigned short>(config.metrics_port));
        spdlog::info("metrics listening on {}:{}", config.api_host, listener->server->Port());
    });
    ctx.on_stop.push_back([listener]() -> asio::awaitable<void> {
        listener->server->BeginShutdown();
        co_return;
    });
}

void WireCloudWatch(AppContext& ctx, std::shared_ptr<ports::AudienceStats> stats) {
    const Config& c = ctx.config;
    if (!c.cloudwatch_enabled) return;
    std::string endpoint = c.cloudwatch_endpoint.empty()
                               ? "https://monitoring." + c.aws_region + ".amazonaws.com"
                               : c.cloudwatch_endpoint;
    auto http = std::make_shared<aws::HttpClient>(ctx.ioc.get_executor());
    aws::CredentialsChainOptions creds_options;
    creds_options.env = ReadEnvironment();
    creds_options.clock = &ctx.clock;
    auto credentials = aws::MakeDefaultCredentialsChain(http, creds_options);
    auto client = std::make_shared<cloudwatch::CloudWatchClient>(
        http, credentials, ctx.clock,
        cloudwatch::CloudWatchClient::Options{endpoint, c.aws_region});
    cloudwatch::CloudWatchReporter::Options options;
    options.metric_namespace = c.cloudwatch_namespace;
    options.interval = std::chrono::seconds(c.cloudwatch_interval_seconds);
    options.environment = c.node_env;
    auto reporter = std::make_shared<cloudwatch::CloudWatchReporter>(
        ctx.ioc, client, std::move(stats), metrics::DefaultRegistry(), ctx.clock, options);
    ctx.request_observers.push_back([reporter](const http::RequestRecord& r) {
        reporter->RecordRequest(r.route, r.status, r.seconds);
    });
    ctx.on_start.push_back([reporter, endpoint, ns = c.cloudwatch_namespace,
                            every = c.cloudwatch_interval_seconds] {
        spdlog::info("cloudwatch: PutMetricData to {} (namespace {}) every {} s", endpoint, ns,
                     every);
        reporter->Start();
    });
    // Stop the reporter before the HTTP client it uses goes away.
    ctx.on_stop.push_back([reporter, http]() -> asio::awaitable<void> { co_await reporter->Stop(); });
}

}  // namespace

void WireLive(AppContext& ctx) {
    auto& registry = metrics::DefaultRegistry();
    auto stats = ctx.audience_stats;
    auto hub = std::make_shared<ws::Hub>(static_cast<std::size_t>(ctx.config.ws_max_connections));
    auto feed = std::make_shared<ws::LiveFeed>(ctx.ioc, hub, stats, ctx.clock,
                                               ws::LiveFeed::Options{});
    ctx.ws_hub = hub;
    if (ctx.event_bus) {
        ctx.event_bus->Subscribe([feed](const ports::LiveEvent& e) { feed->OnEvent(e); });
    }
    ctx.upgrades.emplace("/ws", ws::MakeUpgradeHandler({WsEndpointOptionsOf(ctx.config), *ctx.auth,
                                                         ctx.clock, hub, feed}));
    // A plain GET (no upgrade) is told what the endpoint needs.
    ctx.router.Add(
        http::Verb::get, "/ws",
        [](http::RequestContext&) -> asio::awaitable<http::Reply> {
            co_return http::EnvelopeError(
                Error(Errc::invalid_argument, "This endpoint needs a WebSocket upgrade"));
        },
        {http::Access::read, false, "WebSocket live updates (upgrade required)"});

    // The standard process_* families and ivs_build_info, refreshed at each scrape.
    ctx.metric_collectors.push_back(metrics::RegisterProcessMetrics(registry, "ivs_", IVS_VERSION));
    auto gauges = std::make_shared<http::LiveGauges>(
        http::LiveRouteDeps{stats, hub, registry, ctx.metric_collectors});
    ctx.request_observers.push_back(http::MakeRequestMetricsObserver(registry));
    if (ctx.config.metrics_on_api_port) http::RegisterMetricsRoute(ctx.router, gauges, registry);
    http::RegisterDashboardRoutes(ctx.router, DashboardOptionsOf(ctx.config));
    http::RegisterOpenApiRoute(ctx.router);
    WireMetricsPort(ctx, gauges);
    WireCloudWatch(ctx, stats);

    ctx.on_start.push_back([feed] { feed->Start(); });
    ctx.on_stop.push_back([hub, feed]() -> asio::awaitable<void> {
        co_await feed->Stop();
        hub->CloseAll();
        // Give clients a moment to answer the close handshake (each has its own deadline).
        asio::steady_timer wait(co_await asio::this_coro::executor);
        for (int i = 0; i < 150 && hub->Connections() > 0; ++i) {
            wait.expires_after(std::chrono::milliseconds(20));
            boost::system::error_code ec;
            co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
    });
}

}  // namespace ivs
