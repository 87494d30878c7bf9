// The real binary: configuration errors, --help, check-config, SIGTERM and its logs.

#include <signal.h>

#include <boost/json.hpp>

#include <cctype>
#include <sstream>

#include "foundation_support.hpp"

namespace ivs::test {
namespace {

namespace json = boost::json;

constexpr const char* kKey = "process-admin-key-SENTINEL-7f3a";

std::map<std::string, std::string> ServeEnv(std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env{{"API_PORT", "0"},
                                           {"API_HOST", "127.0.0.1"},
                                           {"API_SECRET_KEY", kKey},
                                           {"LOG_LEVEL", "info"},
                                           {"IO_THREADS", "2"}};
    for (auto& [k, v] : extra) env[k] = v;
    return env;
}

TEST(FoundationProcessTest, InvalidPortExitsNonZeroNamingTheVariable) {
    ChildServer p({}, ServeEnv({{"API_PORT", "notaport"}}));
    int code = p.Wait(std::chrono::seconds(10));
    EXPECT_NE(code, 0);
    EXPECT_NE(code, -1) << "still running";
    EXPECT_NE(p.Stderr().find("API_PORT"), std::string::npos) << p.Stderr();
}

TEST(FoundationProcessTest, SelectorWithoutSettingsExitsNonZeroNamingTheVariable) {
    ChildServer p({}, ServeEnv({{"COLD_STORE", "postgres"}}));
    int code = p.Wait(std::chrono::seconds(10));
    EXPECT_GT(code, 0);
    EXPECT_NE(p.Stderr().find("DB_HOST"), std::string::npos) << p.Stderr();
}

TEST(FoundationProcessTest, HelpListsEveryVariableWithItsDefault) {
    ChildServer p({"--help"}, {});
    ASSERT_EQ(p.Wait(std::chrono::seconds(10)), 0);
    std::string help = p.Stdout();
    auto vars = DescribeConfig();
    ASSERT_GT(vars.size(), 50u);
    for (const auto& v : vars) {
        EXPECT_NE(help.find("  " + v.name + " [" + v.default_text + "]"), std::string::npos)
            << v.name << " missing from --help";
    }
    EXPECT_NE(help.find("check-config"), std::string::npos);
}

TEST(FoundationProcessTest, CheckConfigValidatesWithoutServing) {
    ChildServer ok({"check-config"}, ServeEnv({{"API_PORT", "3999"}}));
    ASSERT_EQ(ok.Wait(std::chrono::seconds(10)), 0) << ok.Stderr();
    EXPECT_NE(ok.Stdout().find("configuration is valid"), std::string::npos) << ok.Stdout();
    EXPECT_NE(ok.Stdout().find("hot store=memory"), std::string::npos) << ok.Stdout();
    // It did not serve: nothing listens and the data directory holds no generated key.
    EXPECT_EQ(ok.Stderr().find("listening on"), std::string::npos);

    ChildServer bad({"check-config"}, ServeEnv({{"RATE_LIMIT_MAX_REQUESTS", "many"}}));
    EXPECT_GT(bad.Wait(std::chrono::seconds(10)), 0);
    EXPECT_NE(bad.Stderr().find("RATE_LIMIT_MAX_REQUESTS"), std::string::npos) << bad.Stderr();
}

TEST(FoundationProcessTest, CheckConfigProbeTriesEachDependencyAndReportsIt) {
    // Nothing listens on these ports: each dependency is reported unreachable, exit 1.
    const std::string closed = "1";  // a privileged port nothing here listens on
    ChildServer down({"check-config", "--probe"},
                     ServeEnv({{"REDIS_HOST", "127.0.0.1"},
                               {"REDIS_PORT", closed},
                               {"DB_HOST", "127.0.0.1"},
                               {"DB_PORT", closed},
                               {"IVS_ENDPOINT", "http://127.0.0.1:" + closed},
                               {"MASTER_STAGE_ARN",
                                "arn:aws:ivs:us-east-1:123456789012:stage/abcdABCD1234"},
                               {"TOKEN_SIGNING", "api"}}));
    EXPECT_EQ(down.Wait(std::chrono::seconds(20)), 1) << down.Stdout() << down.Stderr();
    const std::string out = down.Stdout();
    EXPECT_EQ(out.find("starting"), std::string::npos) << out;
    EXPECT_NE(out.find("FAIL  hot store: redis 127.0.0.1:" + closed), std::string::npos) << out;
    EXPECT_NE(out.find("FAIL  history store: postgres 127.0.0.1:" + closed), std::string::npos)
        << out;
    EXPECT_NE(out.find("FAIL  IVS: http://127.0.0.1:" + closed), std::string::npos) << out;

    // The harness's real Redis and PostgreSQL answer.
    IVS_REQUIRE_HARNESS("IVS_TEST_REDIS_PORT");
    IVS_REQUIRE_HARNESS("IVS_TEST_PG_PORT");
    ChildServer up({"check-config", "--probe"},
                   ServeEnv({{"REDIS_HOST", HarnessEnv("IVS_TEST_REDIS_HOST").value_or("127.0.0.1")},
                             {"REDIS_PORT", *HarnessEnv("IVS_TEST_REDIS_PORT")},
                             {"DB_HOST", HarnessEnv("IVS_TEST_PG_HOST").value_or("127.0.0.1")},
                             {"DB_PORT", *HarnessEnv("IVS_TEST_PG_PORT")},
                             {"DB_NAME", HarnessEnv("IVS_TEST_PG_DB").value_or("postgres")}}));
    EXPECT_EQ(up.Wait(std::chrono::seconds(20)), 0) << up.Stdout() << up.Stderr();
    EXPECT_NE(up.Stdout().find("ok    hot store: redis"), std::string::npos) << up.Stdout();
    EXPECT_NE(up.Stdout().find("ok    history store: postgres"), std::string::npos) << up.Stdout();
    EXPECT_NE(up.Stdout().find("every dependency answered"), std::string::npos) << up.Stdout();
}

TEST(FoundationProcessTest, DotEnvInTheWorkingDirectoryIsReadAndTheEnvironmentWins) {
    const std::string dotenv =
        "# settings for this directory\nAPI_PORT=notaport\nLOG_LEVEL=loud\n"
        "export REDIS_PORT=6380\n";
    ChildServer p({"check-config"}, {{"LOG_LEVEL", "info"}}, dotenv);
    EXPECT_GT(p.Wait(std::chrono::seconds(10)), 0);
    EXPECT_NE(p.Stderr().find("API_PORT"), std::string::npos) << p.Stderr();
    EXPECT_EQ(p.Stderr().find("LOG_LEVEL"), std::string::npos) << p.Stderr();

    ChildServer fixed({"check-config"}, {{"API_PORT", "4000"}, {"LOG_LEVEL", "info"}}, dotenv);
    EXPECT_EQ(fixed.Wait(std::chrono::seconds(10)), 0) << fixed.Stderr();
    EXPECT_NE(fixed.Stdout().find("port=4000"), std::string::npos) << fixed.Stdout();
}

TEST(FoundationProcessTest, JsonLogLinesWriteNumbersAsPlainDecimals) {
    ChildServer p({}, ServeEnv({{"LOG_FORMAT", "json"}, {"LOG_LEVEL", "info"}}));
    const unsigned short port = p.WaitForPort();
    ASSERT_NE(port, 0) << p.Stderr();
    for (const char* path : {"/health", "/api/health", "/api/stats"}) TryHttpCall(port, "GET", path);
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(std::chrono::seconds(10)), 0);
    std::istringstream lines(p.Stderr());
    int requests = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line.front() != '{') continue;
        boost::system::error_code ec;
        auto v = boost::json::parse(line, ec);
        ASSERT_FALSE(ec) << line;
        EXPECT_FALSE(HasExponentNumber(line)) << line;
        if (v.as_object().contains("ms")) ++requests;  // the request lines carry their duration
    }
    EXPECT_GE(requests, 3) << p.Stderr();
}

TEST(FoundationProcessTest, FirstLogLineSaysWhichModeEachPartRuns) {
    ChildServer p({}, ServeEnv());
    ASSERT_NE(p.WaitForPort(), 0) << p.Stderr();
    std::string log = p.Stderr();
    std::string first = log.substr(0, log.find('\n'));
    EXPECT_NE(first.find("hot store=memory (REDIS_HOST is unset)"), std::string::npos) << first;
    EXPECT_NE(first.find("history=sqlite"), std::string::npos) << first;
    EXPECT_NE(first.find("ivs=emulator"), std::string::npos) << first;
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(std::chrono::seconds(5)), 0);
}

TEST(FoundationProcessTest, SigtermExitsZeroWithinFiveSecondsDespiteAnIdleKeepAlive) {
    // Default grace is 30 s: an idle keep-alive connection must not hold the exit back.
    ChildServer p({}, ServeEnv());
    unsigned short port = p.WaitForPort();
    ASSERT_NE(port, 0) << p.Stderr();
    RawConnection idle(port);
    idle.Send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_EQ(idle.Read().status, 200u);

    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(std::chrono::seconds(5)), 0) << p.Stderr();
    EXPECT_TRUE(idle.ClosedByServer());
}

TEST(FoundationProcessTest, SigtermLetsARequestInFlightFinish) {
    ChildServer p({}, ServeEnv());
    unsigned short port = p.WaitForPort();
    ASSERT_NE(port, 0) << p.Stderr();
    RawConnection c(port);
    // Headers and half of the body: the request is in flight until the rest arrives.
    const std::string body = "{\"probe\":\"in-flight\"}";
    c.Send(std::string("GET /api/stats HTTP/1.1\r\nHost: t\r\nx-api-key: ") + kKey +
           "\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 5));
    // Once the server has read those bytes it is waiting for the body of a started request.
    ASSERT_TRUE(WaitUntil([&] { return ServerUnreadBytes(port, c.LocalPort()) == 0; }));

    p.Signal(SIGTERM);
    // The listener closes, but the request in flight is still served.
    ASSERT_TRUE(WaitUntil([&] { return TryHttpCall(port, "GET", "/health").status == 0; }))
        << "still accepting after SIGTERM";
    EXPECT_TRUE(p.Running());
    c.Send(body.substr(5));
    HttpResponse r = c.Read();
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.Header("connection"), "close");
    EXPECT_EQ(p.Wait(std::chrono::seconds(5)), 0) << p.Stderr();
}

TEST(FoundationProcessTest, SigintAlsoStopsGracefully) {
    ChildServer p({}, ServeEnv());
    ASSERT_NE(p.WaitForPort(), 0) << p.Stderr();
    p.Signal(SIGINT);
    EXPECT_EQ(p.Wait(std::chrono::seconds(5)), 0) << p.Stderr();
}

TEST(FoundationProcessTest, JsonAccessLogAndKeysNeverLogged) {
    ChildServer p({}, ServeEnv({{"LOG_FORMAT", "json"},
                                {"API_KEYS", "web:app:app-key-SENTINEL-91bc"}}));
    unsigned short port = p.WaitForPort();
    ASSERT_NE(port, 0) << p.Stderr();
    EXPECT_EQ(HttpCall(port, "GET", "/api/stats", {}, {{"x-api-key", kKey}}).status, 200u);
    EXPECT_EQ(HttpCall(port, "GET", "/api/stats", {}, {{"x-api-key", "app-key-SENTINEL-91bc"}})
                  .status,
              200u);
    EXPECT_EQ(HttpCall(port, "GET", "/api/stats", {}, {{"x-api-key", "wrong-SENTINEL-key"}})
                  .status,
              401u);
    EXPECT_EQ(HttpCall(port, "GET", "/api/stats?apiKey=x", {},
                       {{"x-api-key", kKey}, {"x-request-id", "log-probe-1"}})
                  .status,
              200u);
    // Wait until the last request's access line is written.
    ASSERT_TRUE(WaitUntil([&] { return p.Stderr().find("log-probe-1") != std::string::npos; }))
        << p.Stderr();
    p.Signal(SIGTERM);
    ASSERT_EQ(p.Wait(std::chrono::seconds(5)), 0);

    std::string log = p.Stderr();
    std::istringstream lines(log);
    std::string line;
    int access_lines = 0;
    bool saw_key_name = false;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        boost::system::error_code ec;
        json::value v = json::parse(line, ec);
        ASSERT_FALSE(ec) << "not a JSON line: " << line;
        ASSERT_TRUE(v.is_object()) << line;
        EXPECT_TRUE(v.as_object().contains("time")) << line;
        EXPECT_TRUE(v.as_object().contains("level")) << line;
        if (v.as_object().contains("requestId")) {
            ++access_lines;
            EXPECT_TRUE(v.as_object().contains("status")) << line;
            EXPECT_TRUE(v.as_object().contains("method")) << line;
            EXPECT_TRUE(v.as_object().contains("path")) << line;
            EXPECT_TRUE(v.as_object().contains("ms")) << line;
            if (v.as_object().contains("key") && v.at("key") == "web") saw_key_name = true;
        }
    }
    EXPECT_EQ(access_lines, 4) << log;
    EXPECT_TRUE(saw_key_name) << "the access line names the key (by name)";
    EXPECT_EQ(log.find("SENTINEL"), std::string::npos) << "a key leaked into the log:\n" << log;
}

TEST(FoundationProcessTest, TextAccessLogNamesKeysNotSecrets) {
    ChildServer p({}, ServeEnv());
    unsigned short port = p.WaitForPort();
    ASSERT_NE(port, 0) << p.Stderr();
    HttpCall(port, "GET", "/api/stats", {}, {{"x-api-key", kKey}, {"x-request-id", "probe-2"}});
    ASSERT_TRUE(WaitUntil([&] { return p.Stderr().find("probe-2") != std::string::npos; }));
    p.Signal(SIGTERM);
    ASSERT_EQ(p.Wait(std::chrono::seconds(5)), 0);
    EXPECT_EQ(p.Stderr().find("SENTINEL"), std::string::npos) << p.Stderr();
}

}  // namespace
}  // namespace ivs::test
