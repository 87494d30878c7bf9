#include "ws/live_handlers.hpp"


#include <boost/json.hpp>

#include <charconv>
#include <map>
#include <atomic>
#include <string>
#include <unordered_map>

#include "metrics/prometheus.hpp"
#include "ws/dashboard_assets.hpp"

namespace ivs::http {
namespace json = boost::json;
namespace asio = boost::asio;

LiveGauges::LiveGauges(LiveRouteDeps deps)
    : deps_(std::move(deps)),
      viewers_total_(deps_.registry.Gauges("ivs_viewers", "Viewers watching now (all stages)").Get()),
      stage_viewers_(deps_.registry.Gauges("ivs_stage_viewers", "Viewers watching now, per stage",
                                           {"stage_arn", "state"})),
      stages_by_state_(deps_.registry.Gauges("ivs_managed_stages",
                                             "Managed stages by state", {"state"})),
      publisher_live_(deps_.registry.Gauges("ivs_publisher_live",
                                            "1 when the publisher is live on the master stage")
                          .Get()),
      snapshot_ok_(deps_.registry.Gauges("ivs_audience_snapshot_ok",
                                         "1 when the last scrape could read the audience")
                       .Get()),
      ws_connections_(
          deps_.registry.Gauges("ivs_ws_connections", "Open WebSocket connections").Get()) {}

asio::awaitable<void> LiveGauges::Refresh() {
    if (deps_.hub) ws_connections_.Set(static_cast<double>(deps_.hub->Connections()));
    for (const auto& collect : deps_.collectors) collect();
    if (!deps_.stats) {
        snapshot_ok_.Set(0);
        co_return;
    }
    auto snap = co_await deps_.stats->Snapshot();
    if (!snap) {
        snapshot_ok_.Set(0);
        co_return;
    }
    // Concurrent scrapes: Clear() invalidates children another scrape may be setting.
    std::lock_guard lock(refresh_mu_);
    snapshot_ok_.Set(1);
    viewers_total_.Set(snap->total_viewers);
    publisher_live_.Set(snap->publisher_live ? 1 : 0);
    std::map<std::string, int> by_state{{"active", 0}, {"draining", 0}, {"creating", 0}};
    stage_viewers_.Clear();
    for (const auto& s : snap->stages) {
        stage_viewers_.WithLabels({s.stage_arn, s.state}).Set(s.viewers);
        ++by_state[s.state];
    }
    stages_by_state_.Clear();
    for (const auto& [state, n] : by_state) stages_by_state_.WithLabels({state}).Set(n);
}

void RegisterMetricsRoute(Router& router, std::shared_ptr<LiveGauges> gauges,
                          metrics::Registry& registry) {
    router.Add(
        Verb::get, "/metrics",
        [gauges, &registry](RequestContext&) -> asio::awaitable<Reply> {
            co_await gauges->Refresh();
            co_return Text(metrics::RenderPrometheus(registry.Snapshot()),
                           metrics::kPrometheusContentType);
        },
        RouteOptions{Access::open, false, "Prometheus metrics (text format 0.0.4)"});
}

namespace {

const ws::EmbeddedAsset* FindAsset(std::string_view path) {
    for (const auto& a : ws::DashboardAssets()) {
        if (a.path == path) return &a;
    }
    return nullptr;
}

Reply AssetReply(const ws::EmbeddedAsset& a) {
    Reply r = Text(std::string(a.body), a.content_type);
    r.Header("Cache-Control", "no-cache");
    return r;
}

}  // namespace

void RegisterDashboardRoutes(Router& router, const DashboardOptions& options) {
    router.Add(
        Verb::get, "/dashboard",
        [](RequestContext&) -> asio::awaitable<Reply> {
            const auto* index = FindAsset("index.html");
            if (!index) co_return EnvelopeError(Error(Errc::not_found, "Dashboard not built"));
            co_return AssetReply(*index);
        },
        RouteOptions{Access::open, false, "Live dashboard page"});
    bool require_key = !options.development;
    json::object settings{{"requireApiKey", require_key},
                          {"wsPath", "/ws"},
                          {"stageCapacity", options.stage_capacity},
                          {"drainTimeoutSeconds", options.drain_timeout_seconds}};
    router.Add(
        Verb::get, "/dashboard/config.json",
        [settings](RequestContext&) -> asio::awaitable<Reply> { co_return RawJson(settings); },
        RouteOptions{Access::open, false, "Dashboard settings (whether it asks for an API key)"});
    router.Add(
        Verb::get, "/dashboard/:asset",
        [](RequestContext& ctx) -> asio::awaitable<Reply> {
            const auto* a = FindAsset(ctx.Param("asset"));
            if (!a || a->path == "index.html") {
                co_return EnvelopeError(Error(Errc::not_found, "No such dashboard file"));
            }
            co_return AssetReply(*a);
        },
        RouteOptions{Access::open, false, "Dashboard script and style sheet"});
}

RequestObserver MakeRequestMetricsObserver(metrics::Registry& registry) {
    auto& requests = registry.Counters("ivs_http_requests_total", "HTTP requests by route and status",
                                       {"method", "route", "status"});
    auto& latency = registry.Histograms("ivs_http_request_duration_seconds",
                                        "HTTP request latency in seconds by route",
                                        {"method", "route"});
    auto& refused = registry.Counters("ivs_http_rate_limited_total",
                                      "HTTP requests refused by the rate limiter (429), by route",
                                      {"method", "route"});
    struct Children {
        metrics::Counter* requests;
        metrics::Histogram* latency;
    };
    struct KeyHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view k) const { return std::hash<std::string_view>{}(k); }
    };
    using Cache = std::unordered_map<std::string, Children, KeyHash, std::equal_to<>>;
    // Each thread keeps its own map from (observer, method, route, status) to the children, so
    // a request whose series exists takes no lock and allocates nothing; the observer's number
    // in the key keeps observers of different registries apart.
    static std::atomic<std::uint64_t> next_id{0};
    const std::uint64_t id = ++next_id;
    return [&requests, &latency, &refused, id](const RequestRecord& r) {
        // Methods outside HTTP's own are one label value, so clients cannot grow the series.
        static constexpr std::string_view kMethods[] = {"GET",    "HEAD",    "POST",
                                                        "PUT",    "DELETE",  "PATCH",
                                                        "OPTIONS", "CONNECT", "TRACE"};
        std::string_view method = "OTHER";
        for (auto m : kMethods) {
            if (r.method == m) method = m;
        }
        std::string_view route = r.route.empty() ? std::string_view("unmatched") : r.route;
        char status[8];
        auto end = std::to_chars(status, status + sizeof status, r.status).ptr;
        thread_local Cache cache;
        thread_local std::string key;
        key.assign(reinterpret_cast<const char*>(&id), sizeof id);
        key.append(method).append(" ").append(route).append(" ").append(status, end);
        auto it = cache.find(std::string_view(key));
        if (it == cache.end()) {
            std::string m(method), rt(route), st(status, end);
            it = cache.emplace(key, Children{&requests.WithLabels({m, rt, st}),
                                             &latency.WithLabels({m, rt})})
                     .first;
        }
        it->second.requests->Inc();
        it->second.latency->Observe(r.seconds);
        // Rare: looked up in the family each time rather than cached.
        if (r.rate_limited) refused.WithLabels({std::string(method), std::string(route)}).Inc();
    };
}

}  // namespace ivs::http
