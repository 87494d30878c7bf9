// The acceptance path through the whole application: real joins through /api/token/viewer,
// seen on the WebSocket and in /metrics.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "live_publisher.hpp"
#include "live_support.hpp"

namespace ivs::test {
namespace {

namespace json = boost::json;

double ViewerGauge(const std::string& metrics) {
    auto pos = metrics.find("\nivs_viewers ");
    if (pos == std::string::npos) return -1;
    return std::stod(metrics.substr(pos + 13));
}

TEST(LiveApp, TwentyFiveJoinsReachWebSocketAndMetrics) {
    TestServer server;
    auto publisher = PublishLive(server);
    ASSERT_TRUE(publisher->live()) << publisher->error();
    WsClient unauthenticated;
    EXPECT_EQ(unauthenticated.Connect(server.port(), "/ws"), 401u);

    WsClient ws;
    ASSERT_EQ(ws.Connect(server.port(), "/ws", {{"x-api-key", TestServer::kTestKey}}), 101u);
    ws.Send(R"({"type":"subscribe","channel":"stats"})");
    ASSERT_TRUE(ws.ReadUntil([](const json::object& m) { return m.at("type") == "subscribed"; }));

    std::vector<std::pair<std::string, std::string>> joined;  // userId, stageArn
    for (int i = 0; i < 25; ++i) {
        std::string user = "live-user-" + std::to_string(i);
        auto res = server.Post("/api/token/viewer", json::object{{"userId", user}});
        ASSERT_EQ(res.status, 200u) << res.body;
        joined.emplace_back(user, std::string(res.Json().at("data").at("stageArn").as_string()));
    }
    auto update = ws.ReadUntil(
        [](const json::object& m) {
            return m.at("type") == "stats_update" && m.at("data").at("totalViewers") == 25;
        },
        std::chrono::seconds(15));
    ASSERT_TRUE(update) << "no stats_update with totalViewers 25 within 15 s";
    std::int64_t per_stage = 0;
    for (const auto& s : update->at("data").at("stages").as_array()) {
        per_stage += s.at("viewerCount").as_int64();
    }
    EXPECT_EQ(per_stage, 25);
    EXPECT_EQ(ViewerGauge(server.Get("/metrics").body), 25);

    for (int i = 0; i < 5; ++i) {
        auto res = server.Post("/api/viewer/leave", json::object{{"userId", joined[i].first},
                                                                 {"stageArn", joined[i].second}});
        ASSERT_EQ(res.status, 200u) << res.body;
    }
    EXPECT_TRUE(ws.ReadUntil(
        [](const json::object& m) {
            return m.at("type") == "stats_update" && m.at("data").at("totalViewers") == 20;
        },
        std::chrono::seconds(15)));
    EXPECT_EQ(ViewerGauge(server.Get("/metrics").body), 20);
    auto metrics = server.Get("/metrics").body;
    EXPECT_NE(metrics.find("ivs_http_requests_total{method=\"POST\",route=\"/api/token/viewer\",status=\"200\"} 25"),
              std::string::npos);

    // Seats given, a seat kept on a second join, and the history side's queue and pool.
    ASSERT_EQ(server.Post("/api/token/viewer", json::object{{"userId", joined[10].first}}).status,
              200u);
    metrics = server.Get("/metrics").body;
    EXPECT_NE(metrics.find("\nivs_seats_total{outcome=\"seated\"} 25\n"), std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("\nivs_seats_total{outcome=\"kept\"} 1\n"), std::string::npos);
    EXPECT_NE(metrics.find("\nivs_session_events_pending{outbox=\"history\"} "),
              std::string::npos);
    EXPECT_NE(metrics.find("\nivs_history_pool_connections{store=\"sqlite\",state=\"idle\"} "),
              std::string::npos);
    EXPECT_NE(metrics.find("\nivs_history_pool_queued{store=\"sqlite\"} "), std::string::npos);
}

}  // namespace
}  // namespace ivs::test
