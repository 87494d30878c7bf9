#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "http/options.hpp"
#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "metrics/registry.hpp"
#include "ports/audience_stats.hpp"
#include "ws/hub.hpp"

namespace ivs::http {

struct LiveRouteDeps {
    std::shared_ptr<ports::AudienceStats> stats;  // may be null (audience not wired)
    std::shared_ptr<ws::Hub> hub;
    metrics::Registry& registry;
    std::vector<std::function<void()>> collectors;  // component gauges, run at each scrape
};

// Scrape-time gauges: viewers (total and per stage), managed stages by state, publisher state,
// WebSocket connections. Refreshes them from the audience and the hub; a failed snapshot leaves
// the previous values and sets ivs_audience_snapshot_ok to 0.
class LiveGauges {
public:
    explicit LiveGauges(LiveRouteDeps deps);
    boost::asio::awaitable<void> Refresh();

private:
    LiveRouteDeps deps_;
    metrics::Gauge& viewers_total_;
    metrics::GaugeFamily& stage_viewers_;
    metrics::GaugeFamily& stages_by_state_;
    metrics::Gauge& publisher_live_;
    metrics::Gauge& snapshot_ok_;
    metrics::Gauge& ws_connections_;
    std::mutex refresh_mu_;
};

// GET /metrics (Prometheus text 0.0.4, open).
void RegisterMetricsRoute(Router& router, std::shared_ptr<LiveGauges> gauges,
                          metrics::Registry& registry);

// GET /dashboard, GET /dashboard/config.json, GET /dashboard/:asset (open: the page itself holds
// no data; the WebSocket it opens is authenticated).
void RegisterDashboardRoutes(Router& router, const DashboardOptions& options);

// Counts every finished request by method, route pattern and status, and times it by method
// and route pattern (ivs_http_requests_total,
// ivs_http_request_duration_seconds, ivs_http_rate_limited_total).
RequestObserver MakeRequestMetricsObserver(metrics::Registry& registry);

}  // namespace ivs::http
