// Hostile input and exhausted resources, over real HTTP against the whole app in-process:
// ambiguous message framing, impossible dates, malformed bodies, the connection cap, and a
// readiness probe that must answer within its deadline whatever its checks do.

#include <signal.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include "app/adapter_options.hpp"
#include "foundation_support.hpp"
#include "http/handlers/system_handlers.hpp"
#include "http/health.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace ivs::test {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

json::object ErrorDetails(const HttpResponse& r) {
    json::value v = r.Json();
    if (!v.is_object()) return {};
    const auto* e = v.as_object().if_contains("error");
    if (!e || !e->is_object()) return {};
    const auto* d = e->as_object().if_contains("details");
    return d && d->is_object() ? d->as_object() : json::object{};
}

bool Names(const json::object& details, const char* list, const char* field) {
    const auto* a = details.if_contains(list);
    if (!a || !a->is_array()) return false;
    for (const auto& f : a->as_array()) {
        if (f.is_string() && f.as_string() == field) return true;
    }
    return false;
}

class HardeningTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { server_ = new TestServer(); }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    static TestServer* server_;
};
TestServer* HardeningTest::server_ = nullptr;

TEST_F(HardeningTest, TransferEncodingNotEndingInChunkedGetsOne400AndClose) {
    for (const char* te : {"chunked, identity", "identity", "gzip"}) {
        RawConnection c(server_->port());
        // Read as bodiless, the chunk bytes would become a second request.
        c.Send(std::string("POST /api/viewer/leave HTTP/1.1\r\nHost: t\r\nx-api-key: ") +
               TestServer::kTestKey + "\r\nTransfer-Encoding: " + te + "\r\n\r\n0\r\n\r\n");
        HttpResponse r = c.Read();
        EXPECT_EQ(r.status, 400u) << te << ": " << r.body;
        EXPECT_EQ(r.Json().at("error").at("code"), "VALIDATION_ERROR") << r.body;
        EXPECT_TRUE(c.ClosedByServer()) << te;
    }
}

TEST_F(HardeningTest, TransferEncodingWithContentLengthGets400AndClose) {
    RawConnection c(server_->port());
    c.Send(std::string("POST /api/viewer/leave HTTP/1.1\r\nHost: t\r\nx-api-key: ") +
           TestServer::kTestKey + "\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\n{}");
    EXPECT_EQ(c.Read().status, 400u);
    EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(HardeningTest, ChunkedBodiesStillWork) {
    RawConnection c(server_->port());
    const std::string body = "{\"userId\":\"chunky\"}";
    std::ostringstream size;
    size << std::hex << body.size();
    c.Send(std::string("POST /api/viewer/leave HTTP/1.1\r\nHost: t\r\nx-api-key: ") +
           TestServer::kTestKey +
           "\r\nContent-Type: application/json\r\n"
           "Transfer-Encoding: chunked\r\n\r\n" +
           size.str() + "\r\n" + body + "\r\n0\r\n\r\n");
    HttpResponse r = c.Read();
    // Whatever leave answers for this user, the request was read, not refused for framing.
    EXPECT_NE(r.status, 0u);
    EXPECT_EQ(r.body.find("Transfer-Encoding"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("Malformed"), std::string::npos) << r.body;
}

TEST_F(HardeningTest, OutOfRangeAndImpossibleDatesAre400BlamingTheDate) {
    HttpResponse far =
        server_->Get("/api/stats/timeseries?from=9999-12-30T00:00:00Z&to=9999-12-31T00:00:00Z");
    EXPECT_EQ(far.status, 400u) << far.body;
    EXPECT_TRUE(Names(ErrorDetails(far), "invalidFields", "from")) << far.body;
    EXPECT_TRUE(Names(ErrorDetails(far), "invalidFields", "to")) << far.body;

    HttpResponse feb30 = server_->Get(
        "/api/stats/timeseries?from=2024-02-30T00:00:00Z&to=2024-03-02T00:00:00Z&step=1h");
    EXPECT_EQ(feb30.status, 400u) << feb30.body;
    EXPECT_TRUE(Names(ErrorDetails(feb30), "invalidFields", "from")) << feb30.body;

    HttpResponse leap = server_->Get(
        "/api/stats/timeseries?from=2024-02-29T00:00:00Z&to=2024-03-01T00:00:00Z&step=1h");
    EXPECT_EQ(leap.status, 200u) << leap.body;
}

TEST_F(HardeningTest, MalformedAndNonObjectBodiesNameTheBodyAsInvalid) {
    for (const char* bad : {"{\"userId\":", "[1]", "\"text\"", "42", "{\"a\":1}}"}) {
        HttpResponse r =
            server_->Call("POST", "/api/token/viewer", bad, {{"content-type", "application/json"}});
        EXPECT_EQ(r.status, 400u) << bad << ": " << r.body;
        EXPECT_EQ(r.Json().at("error").at("code"), "VALIDATION_ERROR") << r.body;
        EXPECT_TRUE(Names(ErrorDetails(r), "invalidFields", "body")) << bad << ": " << r.body;
    }
}

// ---------------------------------------------------------------------------------------------
// The connection cap.

TEST(HardeningConnectionCapTest, OverTheCapHealthStillAnswersAndTheRestGets503) {
    TestServer s(Environment{{"MAX_CONNECTIONS", "4"}});
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 4; ++i) idle.push_back(std::make_unique<RawConnection>(s.port()));

    // Accepted in order: the cap is full, so these get one request each, then a close.
    RawConnection health(s.port());
    health.Send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(health.Read().status, 200u);
    EXPECT_TRUE(health.ClosedByServer());

    RawConnection api(s.port());
    api.Send(std::string("GET /api/stats HTTP/1.1\r\nHost: t\r\nx-api-key: ") +
             TestServer::kTestKey + "\r\n\r\n");
    HttpResponse refused = api.Read();
    EXPECT_EQ(refused.status, 503u) << refused.body;
    EXPECT_EQ(refused.Json().at("error").at("code"), "SERVICE_UNAVAILABLE") << refused.body;
    EXPECT_FALSE(refused.Header("retry-after").empty());
    EXPECT_TRUE(api.ClosedByServer());

    // Far over the cap (the overflow slots held too), a connection hears 503 at once.
    std::vector<std::unique_ptr<RawConnection>> more;
    for (int i = 0; i < 24; ++i) more.push_back(std::make_unique<RawConnection>(s.port()));
    RawConnection far(s.port());
    far.Send("GET /api/stats HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(far.Read().status, 503u);

    // Once the idle clients leave, everything is served again.
    idle.clear();
    more.clear();
    EXPECT_TRUE(WaitUntil([&] { return s.Get("/api/stats").status == 200u; }));
}

// ---------------------------------------------------------------------------------------------
// /api/health with a check that never answers (a hung dependency whose call cannot be
// cancelled, like a blocking driver call).

class HungCheckServer {
  public:
    HungCheckServer() : http_(HungCheckConfig()) {
        std::vector<http::DependencyCheck> checks;
        checks.push_back(
            {"hotStore", "memory", []() -> asio::awaitable<Status> { co_return Ok(); }});
        checks.push_back({"historyStore", "test", [this]() -> asio::awaitable<Status> {
                              ++started_;
                              co_await Hang();
                              co_return Ok();
                          }});
        http::RegisterSystemRoutes(http_.router(), SystemOptionsOf(http_.config()),
                                   std::move(checks));
        http_.Start();
    }
    ~HungCheckServer() { release_ = true; }
    unsigned short port() const { return http_.port(); }
    int started() const { return started_; }

  private:
    static Config HungCheckConfig() {
        Config c;
        c.api_keys = {{"default", Scope::admin, "hardening-admin-key-01", 0}};
        return c;
    }

    // Polls a flag: a wait that ignores cancellation, as a blocked driver call does.
    asio::awaitable<void> Hang() {
        asio::steady_timer t(co_await asio::this_coro::executor);
        while (!release_) {
            t.expires_after(std::chrono::milliseconds(20));
            boost::system::error_code ec;
            co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
    }

    std::atomic<bool> release_{false};
    std::atomic<int> started_{0};
    BareHttpServer http_;  // last: shut down while the flags its check uses still exist
};

// Reads the status line of GET path, giving up after `limit` (0 on no answer in time).
unsigned StatusWithin(unsigned short port, const std::string& path,
                      std::chrono::milliseconds limit) {
    asio::io_context ioc;
    boost::beast::tcp_stream stream(ioc);
    stream.expires_after(limit);
    boost::system::error_code ec;
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return 0;
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    asio::write(stream, asio::buffer(req), ec);
    boost::beast::flat_buffer buf;
    boost::beast::http::response<boost::beast::http::string_body> res;
    boost::beast::http::read(stream, buf, res, ec);
    return ec ? 0 : res.result_int();
}

TEST(HardeningHealthTest, ApiHealthAnswersInTimeAndReportsTheHungCheckDown) {
    HungCheckServer s;
    HttpResponse r = HttpCall(s.port(), "GET", "/api/health");
    ASSERT_EQ(r.status, 503u) << r.body;
    const json::value doc = r.Json();
    const auto& services = doc.at("data").at("services");
    EXPECT_EQ(services.at("hotStore").at("status"), "up") << r.body;
    EXPECT_EQ(services.at("historyStore").at("status"), "down") << r.body;
    EXPECT_FALSE(services.at("historyStore").at("error").as_string().empty()) << r.body;
    // Far inside a probe interval: later probes answer at once, and do not pile up calls on
    // the hung dependency.
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(StatusWithin(s.port(), "/api/health", std::chrono::seconds(3)), 503u);
    }
    EXPECT_EQ(s.started(), 1);
}

// ---------------------------------------------------------------------------------------------
// SIGTERM with a dependency gone: the real binary, with its CloudWatch endpoint refusing
// connections, still exits 0 within SHUTDOWN_GRACE_SECONDS.

// SIGTERM ends the process with 0 and the components stopped by themselves: the grace-period
// watchdog did not have to end it.
void ExpectCleanSigtermExit(ChildServer& p) {
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(std::chrono::seconds(8)), 0) << p.Stderr();
    EXPECT_EQ(p.Stderr().find("shutdown still running"), std::string::npos) << p.Stderr();
}

// A server reporting to CloudWatch at 127.0.0.1:`port` every second, with a 5 s grace period.
std::map<std::string, std::string> CloudWatchServerEnv(unsigned short port) {
    return {{"API_PORT", "0"},
            {"API_HOST", "127.0.0.1"},
            {"API_SECRET_KEY", "hardening-process-key-01"},
            {"IO_THREADS", "2"},
            {"SHUTDOWN_GRACE_SECONDS", "5"},
            {"CLOUDWATCH_ENABLED", "true"},
            {"CLOUDWATCH_ENDPOINT", "http://127.0.0.1:" + std::to_string(port)},
            {"CLOUDWATCH_INTERVAL_SECONDS", "1"},
            {"AWS_REGION", "us-east-1"},
            {"AWS_ACCESS_KEY_ID", "test"},
            {"AWS_SECRET_ACCESS_KEY", "test"}};
}

TEST(HardeningProcessTest, SigtermExitsInTimeWithTheCloudWatchEndpointRefusingConnections) {
    // A port nothing listens on: bound then closed.
    unsigned short dead = 0;
    {
        asio::io_context ioc;
        asio::ip::tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
        dead = a.local_endpoint().port();
    }
    ChildServer p({}, CloudWatchServerEnv(dead));
    ASSERT_NE(p.WaitForPort(), 0) << p.Stderr();
    // Rounds to the dead endpoint fail after their retries (each waits its back-off) and the
    // next ones are under way when SIGTERM arrives.
    ASSERT_TRUE(WaitUntil([&] {
        return p.Stderr().find("cloudwatch: PutMetricData failed") != std::string::npos;
    })) << p.Stderr();
    ExpectCleanSigtermExit(p);
}

// The same with the endpoint hung: it completes TCP handshakes (the kernel's backlog) and never
// answers, so every PutMetricData waits on its own deadline when SIGTERM arrives.
TEST(HardeningProcessTest, SigtermExitsInTimeWithTheCloudWatchEndpointHung) {
    asio::io_context ioc;
    asio::ip::tcp::acceptor hung(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    hung.listen(64);  // never accepted, never read
    const unsigned short port = hung.local_endpoint().port();
    ChildServer p({}, CloudWatchServerEnv(port));
    ASSERT_NE(p.WaitForPort(), 0) << p.Stderr();
    // Wait until a PutMetricData round has connected; its socket is held open and never read.
    hung.non_blocking(true);
    std::vector<asio::ip::tcp::socket> held;
    ASSERT_TRUE(WaitUntil([&] {
        asio::ip::tcp::socket s(ioc);
        boost::system::error_code ec;
        hung.accept(s, ec);
        if (ec) return false;
        held.push_back(std::move(s));
        return true;
    })) << p.Stderr();
    ExpectCleanSigtermExit(p);
}

}  // namespace
}  // namespace ivs::test
