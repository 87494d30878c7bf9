// WebSocket /ws, /metrics and the dashboard over real sockets, with the live wiring (WireLive)
// on a real server and an audience whose numbers the test sets.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <regex>
#include <sstream>

#include "core/crypto.hpp"
#include "live_support.hpp"
#include "ws/hub.hpp"

namespace ivs::test {
namespace {

namespace json = boost::json;

const std::string kStageA = "arn:aws:ivs:us-east-1:123456789012:stage/AAAAAAAAAAAA";
const std::string kStageB = "arn:aws:ivs:us-east-1:123456789012:stage/BBBBBBBBBBBB";

std::map<std::string, std::string> KeyHeader() { return {{"x-api-key", LiveRig::kKey}}; }

auto IsType(const std::string& type) {
    return [type](const json::object& m) {
        auto* t = m.if_contains("type");
        return t && t->is_string() && t->as_string() == type;
    };
}

auto StatsWithTotal(int total) {
    return [total](const json::object& m) {
        if (!IsType("stats_update")(m)) return false;
        return m.at("data").at("totalViewers") == total;
    };
}

void Subscribe(WsClient& c, const std::string& channel) {
    c.Send(json::serialize(json::object{{"type", "subscribe"}, {"channel", channel}}));
    auto ack = c.ReadUntil(IsType("subscribed"), std::chrono::seconds(5));
    ASSERT_TRUE(ack) << "no subscribed ack for " << channel;
    EXPECT_EQ(ack->at("channel").as_string(), channel);
    EXPECT_TRUE(ack->contains("timestamp"));
}

TEST(LiveWebSocket, RefusesClientsWithoutValidCredentialsBeforeUpgrading) {
    LiveRig rig;
    WsClient none;
    EXPECT_EQ(none.Connect(rig.port(), "/ws"), 401u);
    WsClient wrong;
    EXPECT_EQ(wrong.Connect(rig.port(), "/ws", {{"x-api-key", "nope"}}), 401u);
    WsClient wrong_token;
    EXPECT_EQ(wrong_token.Connect(rig.port(), "/ws?token=nope"), 401u);
    WsClient good;
    EXPECT_EQ(good.Connect(rig.port(), "/ws", KeyHeader()), 101u);
}

TEST(LiveWebSocket, AcceptsASessionTokenInQueryButNoApiKey) {
    LiveRig rig({}, [](std::string_view token) -> std::optional<http::SessionClaims> {
        if (token == "good-session") return http::SessionClaims{"s1", "u1", kStageA};
        return std::nullopt;
    });
    // An API key in the URL would land in proxy logs: refused, even a valid one.
    WsClient by_key;
    EXPECT_EQ(by_key.Connect(rig.port(), std::string("/ws?token=") + LiveRig::kKey), 401u);
    WsClient by_session;
    EXPECT_EQ(by_session.Connect(rig.port(), "/ws?token=good-session"), 101u);
    WsClient bearer;
    EXPECT_EQ(bearer.Connect(rig.port(), "/ws", {{"authorization", "Bearer good-session"}}), 101u);
    WsClient bad_session;
    EXPECT_EQ(bad_session.Connect(rig.port(), "/ws?token=bad-session"), 401u);
}

TEST(LiveWebSocket, AcceptsAnApiKeyOfferedAsSubprotocolSoNoUrlCarriesIt) {
    LiveRig rig;
    WsClient by_protocol;
    EXPECT_EQ(by_protocol.Connect(rig.port(), "/ws",
                                  {{"sec-websocket-protocol",
                                    "ivs-key." + Base64UrlEncode(LiveRig::kKey)}}),
              101u);
    Subscribe(by_protocol, "stats");
    WsClient wrong;
    EXPECT_EQ(wrong.Connect(rig.port(), "/ws",
                            {{"sec-websocket-protocol", "ivs-key." + Base64UrlEncode("nope")}}),
              401u);
    WsClient garbage;
    EXPECT_EQ(garbage.Connect(rig.port(), "/ws", {{"sec-websocket-protocol", "ivs-key.!!"}}), 401u);
}

TEST(LiveWebSocket, ChecksBrowserOriginsAgainstCorsOriginsAndOwnHost) {
    LiveRig rig(Environment{{"CORS_ORIGINS", "https://app.example.com"}});
    auto h = KeyHeader();
    h["origin"] = "https://evil.example.com";
    WsClient evil;
    EXPECT_EQ(evil.Connect(rig.port(), "/ws", h), 403u);
    h["origin"] = "https://app.example.com";
    WsClient allowed;
    EXPECT_EQ(allowed.Connect(rig.port(), "/ws", h), 101u);
    h["origin"] = "http://127.0.0.1:" + std::to_string(rig.port());
    WsClient same_origin;
    EXPECT_EQ(same_origin.Connect(rig.port(), "/ws", h), 101u);
}

TEST(LiveWebSocket, StatsSubscriberGetsLiveTotalsOnChange) {
    LiveRig rig;
    rig.audience().Set(3, {{kStageA, "a", "active", true, 3}});
    WsClient c;
    ASSERT_EQ(c.Connect(rig.port(), "/ws", KeyHeader()), 101u);
    Subscribe(c, "stats");
    auto first = c.ReadUntil(StatsWithTotal(3));
    ASSERT_TRUE(first) << "no initial stats_update";
    EXPECT_EQ(first->at("data").at("viewerCount"), 3);  // seed field name kept

    rig.audience().Set(25, {{kStageA, "a", "active", true, 20}, {kStageB, "b", "active", false, 5}},
                       true);
    rig.Publish("stats_changed", {});
    auto update = c.ReadUntil(StatsWithTotal(25), std::chrono::seconds(15));
    ASSERT_TRUE(update) << "no stats_update with totalViewers 25";
    const auto& d = update->at("data").as_object();
    EXPECT_EQ(d.at("activeStages"), 2);
    EXPECT_EQ(d.at("isPublisherLive"), true);
    ASSERT_EQ(d.at("stages").as_array().size(), 2u);
    EXPECT_EQ(d.at("stages").at(1).at("stageArn").as_string(), kStageB);
    EXPECT_EQ(d.at("stages").at(1).at("viewerCount"), 5);
}

TEST(LiveWebSocket, StatsArePushedPeriodicallyWithoutChanges) {
    LiveRig rig;
    rig.audience().Set(7, {});
    WsClient c;
    ASSERT_EQ(c.Connect(rig.port(), "/ws", KeyHeader()), 101u);
    Subscribe(c, "stats");
    ASSERT_TRUE(c.ReadUntil(StatsWithTotal(7)));
    // No event at all: the periodic push (every 5 s at most) still arrives.
    EXPECT_TRUE(c.ReadUntil(StatsWithTotal(7), std::chrono::seconds(12)));
}

TEST(LiveWebSocket, StageDrainingReachesStatsAndThatStageOnly) {
    LiveRig rig;
    WsClient stats, stage_a, stage_b;
    ASSERT_EQ(stats.Connect(rig.port(), "/ws", KeyHeader()), 101u);
    ASSERT_EQ(stage_a.Connect(rig.port(), "/ws", KeyHeader()), 101u);
    ASSERT_EQ(stage_b.Connect(rig.port(), "/ws", KeyHeader()), 101u);
    Subscribe(stats, "stats");
    Subscribe(stage_a, "stage:" + kStageA);
    Subscribe(stage_b, "stage:" + kStageB);
    rig.Publish("stage_draining", json::object{{"stageArn", kStageA}});
    auto to_stats = stats.ReadUntil(IsType("stage_draining"), std::chrono::seconds(5));
    ASSERT_TRUE(to_stats);
    EXPECT_EQ(to_stats->at("data").at("stageArn").as_string(), kStageA);
    auto to_a = stage_a.ReadUntil(IsType("stage_draining"), std::chrono::seconds(5));
    ASSERT_TRUE(to_a);
    // Stage B's subscriber sees the next event for B, never A's draining.
    rig.Publish("stage_deleted", json::object{{"stageArn", kStageB}});
    auto to_b = stage_b.ReadUntil(
        [](const json::object& m) {
            auto t = m.at("type").as_string();
            return t == "stage_draining" || t == "stage_deleted";
        },
        std::chrono::seconds(5));
    ASSERT_TRUE(to_b);
    EXPECT_EQ(to_b->at("type"), "stage_deleted");
    rig.Publish("publisher_live", {});
    EXPECT_TRUE(stats.ReadUntil(IsType("publisher_live"), std::chrono::seconds(5)));
}

TEST(LiveWebSocket, BadMessagesGetAnErrorAndTheConnectionStays) {
    LiveRig rig;
    WsClient c;
    ASSERT_EQ(c.Connect(rig.port(), "/ws", KeyHeader()), 101u);
    c.Send("{not json");
    auto err = c.ReadUntil(IsType("error"), std::chrono::seconds(5));
    ASSERT_TRUE(err);
    EXPECT_EQ(err->at("error").at("code"), "VALIDATION_ERROR");
    c.Send(R"({"type":"subscribe","channel":"nonsense"})");
    EXPECT_TRUE(c.ReadUntil(IsType("error"), std::chrono::seconds(5)));
    c.Send(R"({"action":"subscribe","channel":"stats"})");  // seed docs' spelling
    EXPECT_TRUE(c.ReadUntil(IsType("subscribed"), std::chrono::seconds(5)));
    c.Send(R"({"type":"unsubscribe","channel":"stats"})");
    EXPECT_TRUE(c.ReadUntil(IsType("unsubscribed"), std::chrono::seconds(5)));
}

TEST(LiveWebSocket, ConnectionLimitAnswers503) {
    LiveRig rig(Environment{{"WS_MAX_CONNECTIONS", "1"}});
    WsClient first, second;
    ASSERT_EQ(first.Connect(rig.port(), "/ws", KeyHeader()), 101u);
    EXPECT_EQ(second.Connect(rig.port(), "/ws", KeyHeader()), 503u);
    first.Close();
    WsClient third;
    EXPECT_TRUE(WaitUntil([&] { return third.Connect(rig.port(), "/ws", KeyHeader()) == 101u; }));
}

TEST(LiveWebSocket, SlowClientIsDisconnectedAndMemoryStaysBounded) {
    LiveRig rig(Environment{{"WS_QUEUE_LIMIT", "4"}});
    WsClient slow;
    ASSERT_EQ(slow.Connect(rig.port(), "/ws", KeyHeader()), 101u);
    Subscribe(slow, "stats");
    auto hub = rig.ctx().ws_hub;
    ASSERT_TRUE(hub);
    ASSERT_EQ(hub->Connections(), 1u);
    // The client never reads: big events fill the socket buffers, then the queue.
    std::string blob(256 * 1024, 'x');
    bool dropped = WaitUntil(
        [&] {
            rig.Publish("stage_created", json::object{{"stageArn", kStageA}, {"pad", blob}});
            return hub->Joined() == 0;
        },
        std::chrono::seconds(20), std::chrono::milliseconds(5));
    ASSERT_TRUE(dropped) << "a client that never reads was not disconnected";
    // Reading at last, it finds the messages already on the way, then a close frame saying
    // why (1013, try again later), not a bare TCP close.
    slow.ReadUntil([](const json::object&) { return false; }, std::chrono::seconds(10));
    ASSERT_TRUE(slow.close_code()) << "the connection ended without a close frame";
    EXPECT_EQ(*slow.close_code(), 1013u);
    EXPECT_TRUE(WaitUntil([&] { return hub->Connections() == 0; }));
}

TEST(LiveWebSocket, ShutdownClosesClientsWithGoingAway) {
    LiveRig rig;
    WsClient c;
    ASSERT_EQ(c.Connect(rig.port(), "/ws", KeyHeader()), 101u);
    Subscribe(c, "stats");
    std::thread stopper([&] { rig.RunStopSteps(); });
    c.ReadUntil([](const json::object&) { return false; }, std::chrono::seconds(10));
    stopper.join();
    ASSERT_TRUE(c.close_code());
    EXPECT_EQ(*c.close_code(), 1001u);
}

// Parses Prometheus text 0.0.4 into "name{labels}" -> value; fails on malformed lines.
std::map<std::string, double> ParsePrometheus(const std::string& text) {
    std::map<std::string, double> out;
    static const std::regex kSample(
        R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? ([-+]?([0-9.eE+-]+|Inf|NaN))$)");
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
        std::smatch m;
        EXPECT_TRUE(std::regex_match(line, m, kSample)) << "bad line: " << line;
        if (m.empty()) continue;
        auto space = line.rfind(' ');
        out[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return out;
}

TEST(LiveMetrics, PrometheusTextHasLiveViewerGaugesAndRequestCounts) {
    LiveRig rig;
    rig.audience().Set(25, {{kStageA, "a", "active", true, 20}, {kStageB, "b", "draining", false, 5}});
    WsClient c;
    ASSERT_EQ(c.Connect(rig.port(), "/ws", KeyHeader()), 101u);
    Subscribe(c, "stats");
    HttpCall(rig.port(), "GET", "/dashboard/config.json");
    auto res = HttpCall(rig.port(), "GET", "/metrics");
    ASSERT_EQ(res.status, 200u);
    EXPECT_NE(res.Header("content-type").find("text/plain; version=0.0.4"), std::string::npos);
    auto samples = ParsePrometheus(res.body);
    EXPECT_EQ(samples["ivs_viewers"], 25);
    EXPECT_EQ(samples["ivs_stage_viewers{stage_arn=\"" + kStageA + "\",state=\"active\"}"], 20);
    EXPECT_EQ(samples["ivs_stage_viewers{stage_arn=\"" + kStageB + "\",state=\"draining\"}"], 5);
    EXPECT_EQ(samples["ivs_managed_stages{state=\"draining\"}"], 1);
    EXPECT_GE(samples["ivs_ws_connections"], 1);
    EXPECT_GE(samples["ivs_http_requests_total{method=\"GET\",route=\"/dashboard/config.json\",status=\"200\"}"], 1);
    EXPECT_GE(samples["ivs_http_request_duration_seconds_count{method=\"GET\",route=\"/dashboard/config.json\"}"], 1);
    EXPECT_GE(samples["ivs_ws_messages_sent_total"], 1);  // at least the subscribe ack
    // The standard process families and the build.
    EXPECT_GT(samples["process_resident_memory_bytes"], 0);
    EXPECT_GT(samples["process_open_fds"], 0);
    EXPECT_GT(samples["process_max_fds"], 0);
    EXPECT_GT(samples["process_start_time_seconds"], 1.6e9);
    EXPECT_TRUE(samples.count("process_cpu_seconds_total"));
    EXPECT_EQ(samples[std::string("ivs_build_info{version=\"") + IVS_VERSION + "\"}"], 1);

    // The gauge follows the audience at each scrape.
    rig.audience().Set(3, {{kStageA, "a", "active", true, 3}});
    samples = ParsePrometheus(HttpCall(rig.port(), "GET", "/metrics").body);
    EXPECT_EQ(samples["ivs_viewers"], 3);
    EXPECT_EQ(samples.count("ivs_stage_viewers{stage_arn=\"" + kStageB + "\",state=\"draining\"}"), 0u);
}

TEST(LiveMetrics, MetricsPortServesMetricsSeparately) {
    std::string port_text;
    ASSERT_EQ(RunCommand("tests/harness/free-port.sh 2>/dev/null || python3 -c 'import socket;s=socket.socket();s.bind((\"127.0.0.1\",0));print(s.getsockname()[1])'", &port_text), 0);
    int port = std::stoi(port_text);
    LiveRig rig(Environment{{"METRICS_PORT", std::to_string(port)}});
    auto res = HttpCall(static_cast<unsigned short>(port), "GET", "/metrics");
    EXPECT_EQ(res.status, 200u);
    EXPECT_NE(res.body.find("# TYPE ivs_viewers gauge"), std::string::npos);
    EXPECT_EQ(HttpCall(static_cast<unsigned short>(port), "GET", "/dashboard").status, 404u);
    EXPECT_EQ(HttpCall(rig.port(), "GET", "/metrics").status, 200u);  // also on the API port
}

TEST(LiveMetrics, MetricsOnlyOnMetricsPortWhenAskedTo) {
    std::string port_text;
    ASSERT_EQ(RunCommand("tests/harness/free-port.sh 2>/dev/null || python3 -c 'import socket;s=socket.socket();s.bind((\"127.0.0.1\",0));print(s.getsockname()[1])'", &port_text), 0);
    int port = std::stoi(port_text);
    LiveRig rig(Environment{{"METRICS_PORT", std::to_string(port)}, {"METRICS_ON_API_PORT", "false"}});
    EXPECT_EQ(HttpCall(static_cast<unsigned short>(port), "GET", "/metrics").status, 200u);
    EXPECT_EQ(HttpCall(rig.port(), "GET", "/metrics").status, 404u);
    EXPECT_EQ(HttpCall(rig.port(), "GET", "/dashboard").status, 200u);  // the rest still served
}

TEST(LiveDashboard, PageAndAssetsAreServedFromTheBinaryWithNothingExternal) {
    LiveRig rig;
    auto page = HttpCall(rig.port(), "GET", "/dashboard");
    ASSERT_EQ(page.status, 200u);
    EXPECT_NE(page.Header("content-type").find("text/html"), std::string::npos);
    EXPECT_NE(page.body.find("/dashboard/dashboard.js"), std::string::npos);
    for (const char* asset : {"/dashboard/dashboard.js", "/dashboard/dashboard.css"}) {
        auto a = HttpCall(rig.port(), "GET", asset);
        EXPECT_EQ(a.status, 200u) << asset;
        EXPECT_EQ(a.body.find("http://"), std::string::npos) << asset;
        EXPECT_EQ(a.body.find("https://"), std::string::npos) << asset;
    }
    EXPECT_EQ(page.body.find("http://"), std::string::npos);
    EXPECT_EQ(page.body.find("https://"), std::string::npos);
    EXPECT_EQ(page.body.find("<script>"), std::string::npos) << "inline scripts break the CSP";
    EXPECT_NE(page.Header("content-security-policy").find("script-src 'self'"), std::string::npos);
    EXPECT_EQ(HttpCall(rig.port(), "GET", "/dashboard/nope.js").status, 404u);
    auto cfg = HttpCall(rig.port(), "GET", "/dashboard/config.json").Json();
    EXPECT_EQ(cfg.at("requireApiKey"), true);
}

TEST(LiveDashboard, DevelopmentModeAsksForNoKey) {
    LiveRig rig(Environment{{"NODE_ENV", "development"}});
    auto cfg = HttpCall(rig.port(), "GET", "/dashboard/config.json").Json();
    EXPECT_EQ(cfg.at("requireApiKey"), false);
    WsClient anonymous;
    EXPECT_EQ(anonymous.Connect(rig.port(), "/ws"), 101u);
}

}  // namespace
}  // namespace ivs::test
