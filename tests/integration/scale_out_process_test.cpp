// ivs-server processes in Redis mode against a private redis-server that the test stops and
// starts: requests fail fast with 503 while Redis is away, the server recovers by itself, and
// the session outbox loses and duplicates nothing.

#include <gtest/gtest.h>

#include <csignal>

#include "../unit/redis_test_util.hpp"
#include "test_support.hpp"

namespace ivs::test {
namespace {

constexpr const char* kKey = "scale-out-test-key-0123456789";

// HttpCall, with "no connection" as status 0 instead of an exception.
HttpResponse Call(unsigned short port, const std::string& method, const std::string& target,
                  const std::string& body = {},
                  const std::map<std::string, std::string>& headers = {}) {
    try {
        return HttpCall(port, method, target, body, headers);
    } catch (const std::exception&) {
        return HttpResponse{};
    }
}

class ServerProcess {
public:
    ServerProcess(const std::string& binary, const std::string& env) : port_(FreePort()) {
        std::string out;
        RunCommand("cd " + dir_.path() + " && env API_HOST=127.0.0.1 API_PORT=" +
                       std::to_string(port_) + " DATA_DIR=" + dir_.path() +
                       "/data LOG_LEVEL=info API_SECRET_KEY=" + kKey + " " + env + " " + binary +
                       " > server.log 2>&1 < /dev/null & echo $!",
                   &out);
        pid_ = std::stoi(out);
    }
    ~ServerProcess() {
        ::kill(pid_, SIGTERM);
        WaitUntil([&] { return ::kill(pid_, 0) != 0; });
    }
    unsigned short port() const { return static_cast<unsigned short>(port_); }
    const std::string& dir() const { return dir_.path(); }
    HttpResponse Post(const std::string& target, const boost::json::object& body) const {
        return Call(port(), "POST", target, boost::json::serialize(body),
                        {{"x-api-key", kKey}, {"content-type", "application/json"}});
    }
    bool Ready() const {
        return WaitUntil([&] { return Call(port(), "GET", "/health").status == 200; },
                         std::chrono::seconds(20), std::chrono::milliseconds(50));
    }
    std::string Log() const {
        std::string out;
        RunCommand("tail -20 " + dir() + "/server.log", &out);
        return out;
    }
    std::string Sql(const std::string& query) const {
        std::string out;
        RunCommand("sqlite3 " + dir() + "/data/ivs.db \"" + query + "\"", &out);
        return out;
    }

private:
    TempDir dir_;
    int port_;
    int pid_ = 0;
};

std::string ErrorCode(const HttpResponse& r) {
    auto v = r.Json();
    if (!v.is_object()) return {};
    auto* e = v.as_object().if_contains("error");
    if (!e || !e->is_object()) return {};
    auto* c = e->as_object().if_contains("code");
    return c && c->is_string() ? std::string(c->as_string()) : std::string();
}

TEST(ScaleOutProcess, RedisOutageFailsFastRecoversAndLosesNoHistory) {
    IVS_REQUIRE_HARNESS("IVS_TEST_BINARY");
    // Append-only file so the restarted Redis still holds the sessions and the outbox.
    PrivateRedis redis("--appendonly yes --appendfsync always");
    ServerProcess server(*HarnessEnv("IVS_TEST_BINARY"),
                         "REDIS_HOST=127.0.0.1 REDIS_PORT=" + std::to_string(redis.port()) +
                             " REDIS_COMMAND_TIMEOUT_MS=500 REQUIRE_LIVE_PUBLISHER=false"
                             " SESSION_SECRET=scale-out-test-session-secret-0123456789"
                             " RATE_LIMIT_MAX_REQUESTS=1000000");
    ASSERT_TRUE(server.Ready()) << server.Log();

    constexpr int kViewers = 30;
    std::vector<std::pair<std::string, std::string>> viewers;  // userId, stageArn
    for (int i = 0; i < kViewers; ++i) {
        std::string user = "outage-user-" + std::to_string(i);
        HttpResponse r;
        // Joins may wait for the first stage to be created.
        ASSERT_TRUE(WaitUntil([&] {
            r = server.Post("/api/token/viewer", {{"userId", user}});
            return r.status == 200;
        })) << r.status << " " << r.body;
        viewers.emplace_back(
            user, std::string(r.Json().at("data").at("stageArn").as_string()));
    }
    auto heartbeat = [&](const std::pair<std::string, std::string>& v) {
        return server.Post("/api/viewer/heartbeat", {{"userId", v.first}, {"stageArn", v.second}});
    };
    for (const auto& v : viewers) ASSERT_EQ(heartbeat(v).status, 200u);

    redis.Stop();
    // Every call answers (no hang: HttpCall has its own deadline) with 503 SERVICE_UNAVAILABLE
    // once the server notices; /health stays alive and /api/health reports the hot store down.
    ASSERT_TRUE(WaitUntil([&] { return heartbeat(viewers[0]).status == 503; }));
    for (int round = 0; round < 3; ++round) {
        for (const auto& v : viewers) {
            auto r = heartbeat(v);
            EXPECT_EQ(r.status, 503u) << r.body;
            EXPECT_EQ(ErrorCode(r), "SERVICE_UNAVAILABLE") << r.body;
        }
        auto join = server.Post("/api/token/viewer", {{"userId", "during-outage"}});
        EXPECT_EQ(join.status, 503u) << join.body;
    }
    EXPECT_EQ(Call(server.port(), "GET", "/health").status, 200u);
    auto health = Call(server.port(), "GET", "/api/health");
    EXPECT_EQ(health.status, 503u);

    ASSERT_TRUE(redis.Start());
    EXPECT_TRUE(WaitUntil([&] { return heartbeat(viewers[0]).status == 200; }));
    for (const auto& v : viewers) EXPECT_EQ(heartbeat(v).status, 200u);
    EXPECT_EQ(Call(server.port(), "GET", "/api/health").status, 200u);

    for (const auto& v : viewers) {
        auto r = server.Post("/api/viewer/leave", {{"userId", v.first}, {"stageArn", v.second}});
        EXPECT_EQ(r.status, 200u) << r.body;
    }
    // Every session reached the history store exactly once, closed.
    EXPECT_TRUE(WaitUntil(
        [&] {
            return server.Sql("SELECT COUNT(*) FROM viewer_sessions WHERE left_at IS NOT NULL") ==
                   std::to_string(kViewers) + "\n";
        },
        std::chrono::seconds(15)))
        << server.Sql("SELECT COUNT(*), COUNT(left_at) FROM viewer_sessions");
    EXPECT_EQ(server.Sql("SELECT COUNT(*), COUNT(DISTINCT user_id) FROM viewer_sessions"),
              std::to_string(kViewers) + "|" + std::to_string(kViewers) + "\n");
}

}  // namespace
}  // namespace ivs::test
