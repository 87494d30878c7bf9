// Every acceptance point of the foundation over real HTTP, against the whole app in-process
// (TestServer) and against a bare Server + Pipeline carrying test routes.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <cctype>
#include <mutex>

#include "foundation_support.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace ivs::test {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using http::HttpStatus;

void ExpectErrorEnvelope(const HttpResponse& r, unsigned status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    json::value v = r.Json();
    ASSERT_TRUE(v.is_object()) << "not JSON: " << r.body;
    EXPECT_EQ(v.at("success"), false) << r.body;
    EXPECT_EQ(v.at("error").at("code"), code.c_str()) << r.body;
    EXPECT_FALSE(v.at("error").at("message").as_string().empty());
    EXPECT_TRUE(v.as_object().contains("timestamp"));
    EXPECT_NE(r.Header("content-type").find("application/json"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// The whole application.

class FoundationTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { server_ = new TestServer(); }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    static TestServer* server_;
};
TestServer* FoundationTest::server_ = nullptr;

// The fields of the Node server's health answer (monitors written for it read them).
void ExpectNodeHealthFields(const HttpResponse& r) {
    json::value v = r.Json();
    ASSERT_TRUE(v.is_object()) << r.body;
    const json::value& d = v.at("data");
    EXPECT_EQ(d.at("status"), "healthy") << r.body;
    EXPECT_TRUE(d.at("uptime").is_number()) << r.body;
    EXPECT_TRUE(d.at("environment").is_string()) << r.body;
    EXPECT_TRUE(d.at("version").is_string()) << r.body;
    EXPECT_EQ(d.at("services").at("redis"), "not configured") << r.body;
    EXPECT_EQ(d.at("services").at("aws").at("region"), "us-east-1") << r.body;
    EXPECT_EQ(d.at("services").at("aws").at("stageConfigured"), true) << r.body;
    EXPECT_TRUE(d.at("memory").at("used").is_number()) << r.body;
    EXPECT_GT(d.at("memory").at("total").to_number<double>(), 0) << r.body;
    EXPECT_EQ(d.at("memory").at("unit"), "MB") << r.body;
    // Plain decimals: no "6.9E0" where the Node server wrote 6.9.
    EXPECT_FALSE(HasExponentNumber(r.body)) << "exponent-form number in " << r.body;
}

TEST_F(FoundationTest, HealthIsLive) {
    HttpResponse r = server_->Get("/health", {{"x-no-auth", "1"}});
    EXPECT_EQ(r.status, 200u);
    json::value v = r.Json();
    ASSERT_TRUE(v.is_object()) << r.body;
    EXPECT_EQ(v.at("success"), true);
    ExpectNodeHealthFields(r);
}

TEST_F(FoundationTest, ApiHealthReportsSuccess) {
    HttpResponse r = server_->Get("/api/health", {{"x-no-auth", "1"}});
    EXPECT_EQ(r.status, 200u) << r.body;
    json::value v = r.Json();
    ASSERT_TRUE(v.is_object()) << r.body;
    EXPECT_EQ(v.at("success"), true);
    EXPECT_TRUE(v.at("data").at("services").is_object());
    EXPECT_EQ(v.at("data").at("status"), "healthy");
    EXPECT_EQ(v.at("data").at("services").at("hotStore").at("status"), "up") << r.body;
    ExpectNodeHealthFields(r);
}

TEST_F(FoundationTest, ServiceInfoAtRoot) {
    HttpResponse r = server_->Get("/", {{"x-no-auth", "1"}});
    EXPECT_EQ(r.status, 200u);
    EXPECT_TRUE(r.Json().at("endpoints").is_object()) << r.body;
}

TEST_F(FoundationTest, StatsNeedsAKey) {
    ExpectErrorEnvelope(server_->Get("/api/stats", {{"x-no-auth", "1"}}), 401, "UNAUTHORIZED");
    ExpectErrorEnvelope(server_->Get("/api/stats", {{"x-api-key", "wrong-key-0123456789"}}), 401,
                        "UNAUTHORIZED");
    HttpResponse ok = server_->Get("/api/stats");
    EXPECT_EQ(ok.status, 200u) << ok.body;
    EXPECT_EQ(ok.Json().at("success"), true);
}

TEST_F(FoundationTest, UnknownApiPathIs404Envelope) {
    ExpectErrorEnvelope(server_->Get("/api/does-not-exist"), 404, "NOT_FOUND");
    ExpectErrorEnvelope(server_->Get("/api/does/not/exist", {{"x-no-auth", "1"}}), 404,
                        "NOT_FOUND");
    ExpectErrorEnvelope(server_->Post("/api/nothing", json::object{}), 404, "NOT_FOUND");
}

TEST_F(FoundationTest, WrongMethodIs405EnvelopeWithAllow) {
    HttpResponse r = server_->Delete("/api/stats");
    ExpectErrorEnvelope(r, 405, "METHOD_NOT_ALLOWED");
    EXPECT_NE(r.Header("allow").find("GET"), std::string::npos) << r.Header("allow");
    HttpResponse put = server_->Put("/api/health", json::object{});
    ExpectErrorEnvelope(put, 405, "METHOD_NOT_ALLOWED");
    EXPECT_EQ(put.Header("allow"), "GET, HEAD");
    // HEAD is really served where the Allow header says so.
    HttpResponse head = server_->Call("HEAD", "/api/health", "", {});
    EXPECT_EQ(head.status, 200u);
}

TEST_F(FoundationTest, TwoMegabyteBodyIs413Envelope) {
    std::string big(2 * 1024 * 1024, 'x');
    std::string body = "{\"pad\":\"" + big + "\"}";
    HttpResponse r = server_->Call("POST", "/api/stats", body, {{"x-request-id", "big-1"}});
    ExpectErrorEnvelope(r, 413, "PAYLOAD_TOO_LARGE");
    EXPECT_EQ(r.Header("x-request-id"), "big-1");
    EXPECT_EQ(r.Header("x-content-type-options"), "nosniff");
    // Also without a key: the limit applies before anything else.
    HttpResponse anon = server_->Call("POST", "/api/token/viewer", body, {{"x-no-auth", "1"}});
    ExpectErrorEnvelope(anon, 413, "PAYLOAD_TOO_LARGE");
    // The server is fine afterwards.
    EXPECT_EQ(server_->Get("/health").status, 200u);
}

TEST_F(FoundationTest, ChunkedBodyOverTheLimitIs413Too) {
    RawConnection c(server_->port());
    c.Send(std::string("POST /api/stats HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n") +
           "x-api-key: " + TestServer::kTestKey + "\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk(64 * 1024, 'y');
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
    for (int i = 0; i < 32; ++i) c.Send(size_line + chunk + "\r\n");
    c.Send("0\r\n\r\n");
    HttpResponse r = c.Read();
    ExpectErrorEnvelope(r, 413, "PAYLOAD_TOO_LARGE");
    EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(FoundationTest, MalformedJsonOnViewerTokenIs400) {
    HttpResponse r = server_->Call("POST", "/api/token/viewer", "{\"userId\": ", {});
    if (r.status == 404) GTEST_SKIP() << "POST /api/token/viewer is not wired in this build";
    ExpectErrorEnvelope(r, 400, "VALIDATION_ERROR");
}

TEST_F(FoundationTest, RequestIdIsEchoedOrGenerated) {
    HttpResponse echoed = server_->Get("/api/stats", {{"x-request-id", "req-abc-123"}});
    EXPECT_EQ(echoed.Header("x-request-id"), "req-abc-123");
    HttpResponse on_error = server_->Get("/api/nope", {{"x-request-id", "req-err-1"}});
    EXPECT_EQ(on_error.Header("x-request-id"), "req-err-1");

    HttpResponse a = server_->Get("/health");
    HttpResponse b = server_->Get("/health");
    EXPECT_GE(a.Header("x-request-id").size(), 16u);
    EXPECT_NE(a.Header("x-request-id"), b.Header("x-request-id"));
    // Control characters or absurd lengths are replaced, not echoed.
    HttpResponse junk = server_->Get("/health", {{"x-request-id", std::string(300, 'a')}});
    EXPECT_NE(junk.Header("x-request-id"), std::string(300, 'a'));
    EXPECT_FALSE(junk.Header("x-request-id").empty());
}

TEST_F(FoundationTest, SecurityHeadersLikeHelmet) {
    for (const char* target : {"/health", "/api/stats", "/api/missing"}) {
        HttpResponse r = server_->Get(target);
        EXPECT_EQ(r.Header("x-content-type-options"), "nosniff") << target;
        EXPECT_EQ(r.Header("x-frame-options"), "SAMEORIGIN") << target;
        EXPECT_EQ(r.Header("referrer-policy"), "no-referrer") << target;
        EXPECT_NE(r.Header("strict-transport-security").find("max-age="), std::string::npos);
        EXPECT_NE(r.Header("content-security-policy").find("default-src 'self'"),
                  std::string::npos);
        EXPECT_EQ(r.Header("x-dns-prefetch-control"), "off");
        EXPECT_EQ(r.Header("cross-origin-opener-policy"), "same-origin");
        EXPECT_EQ(r.Header("x-powered-by"), "");
    }
}

TEST_F(FoundationTest, HeadAnswersLikeGetWithoutABody) {
    HttpResponse get = server_->Get("/", {{"x-no-auth", "1"}});
    HttpResponse head = server_->Call("HEAD", "/", {}, {{"x-no-auth", "1"}});
    EXPECT_EQ(head.status, 200u);
    EXPECT_TRUE(head.body.empty());
    EXPECT_EQ(head.Header("content-length"), std::to_string(get.body.size()));
    HttpResponse api = server_->Call("HEAD", "/api/stats", {}, {});
    EXPECT_EQ(api.status, 200u);
}

TEST_F(FoundationTest, OversizedHeadersAreRefusedWithAnEnvelope) {
    HttpResponse r = server_->Get("/api/stats", {{"x-filler", std::string(40 * 1024, 'h')}});
    ExpectErrorEnvelope(r, 431, "PAYLOAD_TOO_LARGE");
}

TEST_F(FoundationTest, KeepAliveServesSeveralRequestsOnOneConnection) {
    RawConnection c(server_->port());
    for (int i = 0; i < 3; ++i) {
        c.Send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
        HttpResponse r = c.Read();
        EXPECT_EQ(r.status, 200u) << i;
    }
    c.Send("GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(c.Read().status, 200u);
    EXPECT_TRUE(c.ClosedByServer());
}

// Connections are dealt over the I/O threads: every connection is served, request after
// request, and stopping the app with idle connections on every thread closes them all.
TEST(FoundationIoThreadsTest, ConnectionsOnEveryIoThreadAreServedAndClosedAtStop) {
    TestServer s(Environment{{"IO_THREADS", "4"}});
    std::vector<std::unique_ptr<RawConnection>> conns;
    for (int i = 0; i < 12; ++i) conns.push_back(std::make_unique<RawConnection>(s.port()));
    for (int round = 0; round < 2; ++round) {
        for (std::size_t i = 0; i < conns.size(); ++i) {
            conns[i]->Send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
            HttpResponse r = conns[i]->Read();
            EXPECT_EQ(r.status, 200u) << "connection " << i << ", round " << round;
        }
    }
    s.Stop();
    for (std::size_t i = 0; i < conns.size(); ++i) {
        EXPECT_TRUE(conns[i]->ClosedByServer()) << "connection " << i << " left open at stop";
    }
}

TEST_F(FoundationTest, GarbageRequestLineGetsA400AndClose) {
    RawConnection c(server_->port());
    c.Send("THIS IS NOT HTTP\r\n\r\n");
    HttpResponse r = c.Read();
    EXPECT_EQ(r.status, 400u);
    EXPECT_TRUE(c.ClosedByServer());
}

// ---------------------------------------------------------------------------------------------
// CORS, rate limits and proxies need their own configuration.

TEST(FoundationCorsTest, AllowedAndDeniedOriginsAndPreflight) {
    TestServer s(Environment{{"CORS_ORIGINS", "https://app.example,https://admin.example"}});
    HttpResponse allowed = s.Get("/api/stats", {{"origin", "https://app.example"}});
    EXPECT_EQ(allowed.Header("access-control-allow-origin"), "https://app.example");
    EXPECT_NE(allowed.Header("vary").find("Origin"), std::string::npos);
    EXPECT_NE(allowed.Header("access-control-expose-headers").find("X-Request-Id"),
              std::string::npos);

    HttpResponse denied = s.Get("/api/stats", {{"origin", "https://evil.example"}});
    EXPECT_EQ(denied.status, 200u);  // CORS is enforced by the browser; no allow header
    EXPECT_EQ(denied.Header("access-control-allow-origin"), "");

    HttpResponse preflight = s.Call("OPTIONS", "/api/token/viewer", {},
                                    {{"x-no-auth", "1"},
                                     {"origin", "https://admin.example"},
                                     {"access-control-request-method", "POST"},
                                     {"access-control-request-headers", "content-type"}});
    EXPECT_EQ(preflight.status, 204u);
    EXPECT_EQ(preflight.Header("access-control-allow-origin"), "https://admin.example");
    EXPECT_NE(preflight.Header("access-control-allow-methods").find("POST"), std::string::npos);
    EXPECT_NE(preflight.Header("access-control-allow-headers").find("X-API-Key"),
              std::string::npos);

    HttpResponse bad_preflight = s.Call("OPTIONS", "/api/token/viewer", {},
                                        {{"x-no-auth", "1"},
                                         {"origin", "https://evil.example"},
                                         {"access-control-request-method", "POST"}});
    EXPECT_EQ(bad_preflight.Header("access-control-allow-origin"), "");
    EXPECT_EQ(bad_preflight.Header("access-control-allow-methods"), "");
}

TEST(FoundationRateLimitTest, TooManyRequestsWithRetryAfterAndHeaders) {
    // Windows are aligned to multiples of their length; a day-long window keeps a boundary
    // from falling inside the test.
    TestServer s({{"RATE_LIMIT_MAX_REQUESTS", "3"},
                  {"RATE_LIMIT_WINDOW_MS", "86400000"},
                  {"API_KEYS", "second:read:second-key-0123456789"}});
    for (int i = 0; i < 3; ++i) {
        HttpResponse r = s.Get("/api/stats");
        ASSERT_EQ(r.status, 200u) << i;
        EXPECT_EQ(r.Header("ratelimit-limit"), "3");
        EXPECT_EQ(r.Header("ratelimit-remaining"), std::to_string(2 - i));
        EXPECT_FALSE(r.Header("ratelimit-reset").empty());
    }
    HttpResponse limited = s.Get("/api/stats");
    ExpectErrorEnvelope(limited, 429, "TOO_MANY_REQUESTS");
    int retry_after = std::stoi(limited.Header("retry-after"));
    EXPECT_GE(retry_after, 1);
    EXPECT_LE(retry_after, 86400);
    EXPECT_EQ(limited.Header("ratelimit-remaining"), "0");
    EXPECT_EQ(limited.Header("ratelimit-limit"), "3");

    // Another key has its own budget.
    EXPECT_EQ(s.Get("/api/stats", {{"x-api-key", "second-key-0123456789"}}).status, 200u);
    // Liveness is never rate limited.
    EXPECT_EQ(s.Get("/health").status, 200u);
    // The refusal is counted, by route.
    const std::string metrics = s.Get("/metrics").body;
    EXPECT_NE(metrics.find("\nivs_http_rate_limited_total{method=\"GET\",route=\"/api/stats\"} 1\n"),
              std::string::npos)
        << metrics;
}

TEST(FoundationRateLimitTest, PerKeyLimitFromApiKeys) {
    TestServer s({{"RATE_LIMIT_MAX_REQUESTS", "2"},
                  {"RATE_LIMIT_WINDOW_MS", "86400000"},
                  {"API_KEYS", "backend:app:backend-key-0123456789:5"}});
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(s.Get("/api/stats", {{"x-api-key", "backend-key-0123456789"}}).status, 200u)
            << i;
    }
    EXPECT_EQ(s.Get("/api/stats", {{"x-api-key", "backend-key-0123456789"}}).status, 429u);
}

TEST(FoundationRateLimitTest, UnauthenticatedCallsAreKeyedByForwardedForOnlyWhenTrusted) {
    {
        TestServer trusted({{"RATE_LIMIT_MAX_REQUESTS", "2"},
                            {"RATE_LIMIT_WINDOW_MS", "86400000"},
                            {"TRUST_PROXY", "true"}});
        auto call = [&](const std::string& ip) {
            return trusted
                .Get("/api/stats", {{"x-no-auth", "1"}, {"x-forwarded-for", ip + ", 10.0.0.1"}})
                .status;
        };
        EXPECT_EQ(call("203.0.113.1"), 401u);
        EXPECT_EQ(call("203.0.113.1"), 401u);
        EXPECT_EQ(call("203.0.113.1"), 429u);
        EXPECT_EQ(call("203.0.113.2"), 401u);  // another client behind the proxy
    }
    {
        TestServer untrusted(
            {{"RATE_LIMIT_MAX_REQUESTS", "2"}, {"RATE_LIMIT_WINDOW_MS", "86400000"}});
        auto call = [&](const std::string& ip) {
            return untrusted.Get("/api/stats", {{"x-no-auth", "1"}, {"x-forwarded-for", ip}})
                .status;
        };
        EXPECT_EQ(call("203.0.113.1"), 401u);
        EXPECT_EQ(call("203.0.113.2"), 401u);
        EXPECT_EQ(call("203.0.113.3"), 429u);  // the header is ignored: one peer, one budget
    }
}

// ---------------------------------------------------------------------------------------------
// A bare Server + Pipeline with routes the app does not have yet: a JSON echo (malformed JSON)
// and a handler that waits until the test releases it (requests in flight at shutdown).

class PipelineServer {
public:
    PipelineServer() : http_(PipelineConfig()) {
        http_.router().Add(
            http::Verb::post, "/api/echo",
            [](http::RequestContext& ctx) -> asio::awaitable<http::Reply> {
                co_return http::EnvelopeOk(ctx.body);
            },
            {http::Access::app, false, "echo"});
        http_.router().Add(
            http::Verb::get, "/api/slow",
            [this](http::RequestContext&) -> asio::awaitable<http::Reply> {
                auto timer = std::make_shared<asio::steady_timer>(
                    co_await asio::this_coro::executor, std::chrono::seconds(30));
                {
                    std::lock_guard lock(mu_);
                    pending_ = timer;
                }
                entered_ = true;
                co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
                co_return http::EnvelopeOk(json::object{{"released", true}});
            },
            {http::Access::open, false, "waits for the test"});
        http_.Start();
    }
    ~PipelineServer() { Release(); }

    unsigned short port() const { return http_.port(); }
    http::Server& server() { return http_.server(); }
    bool entered() const { return entered_; }
    void Release() {
        std::shared_ptr<asio::steady_timer> t;
        {
            std::lock_guard lock(mu_);
            t = pending_;
        }
        // Cancelled on the handler's own strand, after it started waiting.
        if (t) asio::post(t->get_executor(), [t] { t->cancel(); });
    }

private:
    static Config PipelineConfig() {
        Config c;
        c.api_keys = {{"default", Scope::admin, "pipeline-admin-key-01", 0}};
        c.request_timeout_seconds = 10;
        c.keepalive_timeout_seconds = 60;
        return c;
    }

    std::mutex mu_;
    std::shared_ptr<asio::steady_timer> pending_;
    std::atomic<bool> entered_{false};
    BareHttpServer http_;  // last: shut down while the state its routes use still exists
};

const std::map<std::string, std::string> kPipelineKey{{"x-api-key", "pipeline-admin-key-01"}};

TEST(FoundationPipelineTest, MalformedJsonIs400ValidationError) {
    PipelineServer s;
    for (const char* bad : {"{\"userId\": ", "{userId: 1}", "not json", "{\"a\":1}}", "[1,2]",
                            "\"just a string\""}) {
        HttpResponse r = HttpCall(s.port(), "POST", "/api/echo", bad, kPipelineKey);
        ExpectErrorEnvelope(r, 400, "VALIDATION_ERROR");
    }
    HttpResponse ok = HttpCall(s.port(), "POST", "/api/echo", "{\"userId\":\"alice\"}",
                               kPipelineKey);
    EXPECT_EQ(ok.status, 200u) << ok.body;
    EXPECT_EQ(ok.Json().at("data").at("userId"), "alice");
    HttpResponse empty = HttpCall(s.port(), "POST", "/api/echo", "", kPipelineKey);
    EXPECT_EQ(empty.status, 200u) << empty.body;
    // Authentication comes before the body is looked at.
    ExpectErrorEnvelope(HttpCall(s.port(), "POST", "/api/echo", "{", {}), 401, "UNAUTHORIZED");
}

TEST(FoundationPipelineTest, ShutdownClosesIdleConnectionsAndFinishesRequestsInFlight) {
    PipelineServer s;
    const unsigned short port = s.port();
    // An idle keep-alive connection, after one request.
    RawConnection idle(port);
    idle.Send("GET /api/echo HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(idle.Read().status, 405u);
    // A request in flight.
    RawConnection busy(port);
    busy.Send("GET /api/slow HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(WaitUntil([&] { return s.entered(); }));
    ASSERT_EQ(s.server().ActiveConnections(), 2u);

    s.server().BeginShutdown();
    EXPECT_TRUE(idle.ClosedByServer());
    EXPECT_TRUE(WaitUntil([&] { return s.server().ActiveConnections() == 1; }));
    // New connections are refused once the listener is closed.
    EXPECT_TRUE(WaitUntil([&] { return TryHttpCall(port, "GET", "/api/echo").status == 0; }));

    s.Release();
    HttpResponse r = busy.Read();
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.Json().at("data").at("released"), true);
    EXPECT_EQ(r.Header("connection"), "close");
    EXPECT_TRUE(busy.ClosedByServer());
    EXPECT_TRUE(WaitUntil([&] { return s.server().ActiveConnections() == 0; }));
}

}  // namespace
}  // namespace ivs::test
