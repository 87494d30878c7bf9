// Unit tests of the live-view building blocks: metrics registry and Prometheus text, the
// WebSocket hub's fan-out and caps, the stats_update message, the OpenAPI helpers.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <thread>

#include "http/handlers/openapi.hpp"
#include "metrics/prometheus.hpp"
#include "metrics/registry.hpp"
#include "ws/hub.hpp"
#include "ws/live_feed.hpp"

namespace ivs {
namespace {

namespace json = boost::json;

TEST(MetricsRegistry, CountersGaugesAndHistogramsRenderAsPrometheusText) {
    metrics::Registry r;
    auto& requests = r.Counters("http_requests_total", "Requests", {"route", "status"});
    requests.WithLabels({"/api/x", "200"}).Inc();
    requests.WithLabels({"/api/x", "200"}).Inc(2);
    requests.WithLabels({"/api/\"q\"", "500"}).Inc();
    r.Gauges("viewers", "Viewers").Get().Set(25);
    auto& h = r.Histograms("latency_seconds", "Latency", {}, {0.1, 1.0}).Get();
    h.Observe(0.05);
    h.Observe(0.5);
    h.Observe(5);

    std::string text = metrics::RenderPrometheus(r.Snapshot());
    EXPECT_NE(text.find("# TYPE http_requests_total counter\n"), std::string::npos) << text;
    EXPECT_NE(text.find("http_requests_total{route=\"/api/x\",status=\"200\"} 3\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("route=\"/api/\\\"q\\\"\""), std::string::npos) << text;
    EXPECT_NE(text.find("# TYPE viewers gauge\nviewers 25\n"), std::string::npos) << text;
    EXPECT_NE(text.find("latency_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("latency_seconds_bucket{le=\"1\"} 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("latency_seconds_sum 5.55\n"), std::string::npos) << text;
    EXPECT_NE(text.find("latency_seconds_count 3\n"), std::string::npos) << text;
}

TEST(MetricsRegistry, SameNameReturnsSameFamilyAndShapeMismatchThrows) {
    metrics::Registry r;
    auto& a = r.Counters("c_total", "c", {"x"});
    auto& b = r.Counters("c_total", "c", {"x"});
    EXPECT_EQ(&a, &b);
    EXPECT_THROW(r.Gauges("c_total", "c", {"x"}), std::logic_error);
    EXPECT_THROW(r.Counters("c_total", "c", {"y"}), std::logic_error);
    EXPECT_THROW(a.WithLabels({"1", "2"}), std::invalid_argument);
}

TEST(MetricsRegistry, ConcurrentIncrementsAreNotLost) {
    metrics::Registry r;
    auto& c = r.Counters("n_total", "n").Get();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) c.Inc();
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(c.Value(), 40000);
}

class FakeSubscriber : public ws::Subscriber {
public:
    void Deliver(ws::Message m) override { received.push_back(*m); }
    void CloseGoingAway() override { closed = true; }
    std::vector<std::string> received;
    bool closed = false;
};

TEST(WsHub, PublishReachesOnlyChannelSubscribersOnce) {
    ws::Hub hub(10);
    auto a = std::make_shared<FakeSubscriber>();
    auto b = std::make_shared<FakeSubscriber>();
    hub.Join(a);
    hub.Join(b);
    EXPECT_TRUE(hub.Subscribe(a.get(), "stats"));
    EXPECT_TRUE(hub.Subscribe(a.get(), "stage:arn1"));
    EXPECT_TRUE(hub.Subscribe(b.get(), "stage:arn2"));
    auto msg = std::make_shared<const std::string>("m1");
    EXPECT_EQ(hub.Publish(std::vector<std::string>{"stats", "stage:arn1"}, msg), 1u);
    EXPECT_EQ(a->received.size(), 1u);
    EXPECT_TRUE(b->received.empty());
    hub.Unsubscribe(a.get(), "stats");
    EXPECT_EQ(hub.Publish("stats", msg), 0u);
    hub.Leave(b.get());
    EXPECT_EQ(hub.Publish("stage:arn2", msg), 0u);
    hub.CloseAll();
    EXPECT_TRUE(a->closed);
    EXPECT_FALSE(b->closed);
}

TEST(WsHub, ConnectionAndSubscriptionCaps) {
    ws::Hub hub(2);
    EXPECT_TRUE(hub.TryReserve());
    EXPECT_TRUE(hub.TryReserve());
    EXPECT_FALSE(hub.TryReserve());
    hub.Release();
    EXPECT_TRUE(hub.TryReserve());
    auto a = std::make_shared<FakeSubscriber>();
    hub.Join(a);
    for (std::size_t i = 0; i < ws::Hub::kMaxChannelsPerSubscriber; ++i) {
        EXPECT_TRUE(hub.Subscribe(a.get(), "stage:" + std::to_string(i)));
    }
    EXPECT_FALSE(hub.Subscribe(a.get(), "stats"));
}

TEST(LiveFeed, StatsUpdateCarriesTheDocumentedFields) {
    ports::AudienceSnapshot s;
    s.total_viewers = 25;
    s.publisher_live = true;
    s.stages.push_back({"arn:aws:ivs:us-east-1:1:stage/a", "a", "active", true, 20});
    s.stages.push_back({"arn:aws:ivs:us-east-1:1:stage/b", "b", "draining", false, 5});
    json::object msg = ws::LiveFeed::StatsUpdate(s);
    json::object doc{{"components", json::object{{"schemas", http::ComponentSchemas()}}}};
    EXPECT_EQ(http::ValidateSchema(msg, json::object{{"$ref", "#/components/schemas/StatsUpdate"}},
                                   doc),
              "");
    EXPECT_EQ(msg["data"].at("totalViewers"), 25);
    EXPECT_EQ(msg["data"].at("activeStages"), 2);
    EXPECT_EQ(msg["data"].at("isPublisherLive"), true);
    EXPECT_EQ(msg["data"].at("stages").at(1).at("viewerCount"), 5);
    EXPECT_EQ(msg["data"].at("stages").at(1).at("state"), "draining");
}

TEST(OpenApi, PathsAndValidator) {
    EXPECT_EQ(http::OpenApiPath("/api/stage/:stageArn"), "/api/stage/{stageArn}");
    EXPECT_EQ(http::OpenApiPath("/a/:x/b/:y"), "/a/{x}/b/{y}");
    json::object root;
    json::value schema = json::parse(
        R"({"type":"object","required":["a"],"properties":{"a":{"type":"integer"},
            "b":{"type":"array","items":{"type":"string"}}}})");
    EXPECT_EQ(http::ValidateSchema(json::parse(R"({"a":1,"b":["x"]})"), schema, root), "");
    EXPECT_NE(http::ValidateSchema(json::parse(R"({"b":["x"]})"), schema, root), "");
    EXPECT_NE(http::ValidateSchema(json::parse(R"({"a":"1"})"), schema, root), "");
    EXPECT_NE(http::ValidateSchema(json::parse(R"({"a":1,"b":[2]})"), schema, root), "");
}

TEST(OpenApi, EveryTableSchemaIsValidJson) {
    http::Router router;
    for (const auto& s : http::OperationSpecs()) {
        router.Add(s.method, std::string(s.pattern),
                   [](http::RequestContext&) -> boost::asio::awaitable<http::Reply> {
                       co_return http::Reply{};
                   });
    }
    json::object doc;
    ASSERT_NO_THROW(doc = http::BuildOpenApiDocument(router));
    EXPECT_EQ(doc["openapi"], "3.1.0");
    EXPECT_TRUE(http::SpecsWithoutRoute(router).empty());
    EXPECT_TRUE(doc["paths"].as_object().contains("/api/stage/{stageArn}"));
}

}  // namespace
}  // namespace ivs
