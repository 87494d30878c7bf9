// ivs-server processes in Redis mode against a private redis-server that the test stops and
// starts: requests fail fast with 503 while Redis is away, the server recovers by itself, and
// the session outbox loses and duplicates nothing.

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "../unit/redis_test_util.hpp"
#include "live_publisher.hpp"
#include "test_support.hpp"

namespace ivs::test {
namespace {

constexpr const char* kKey = "scale-out-test-key-0123456789";

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
        return TryHttpCall(port(), "POST", target, boost::json::serialize(body),
                        {{"x-api-key", kKey}, {"content-type", "application/json"}});
    }
    bool Ready() const {
        return WaitUntil([&] { return TryHttpCall(port(), "GET", "/health").status == 200; },
                         std::chrono::seconds(20), std::chrono::milliseconds(50));
    }
    std::string Log() const {
        std::string out;
        RunCommand("tail -20 " + dir() + "/server.log", &out);
        return out;
    }
    std::string Sql(const std::string& query) const {
        std::string out;
        // The server writes meanwhile: wait for a lock rather than fail.
        RunCommand("sqlite3 -cmd '.timeout 5000' " + dir() + "/data/ivs.db \"" + query + "\"", &out);
        return out;
    }

private:
    TempDir dir_;
    int port_;
    int pid_ = 0;
};

// services.redis of GET /health ("connected", "disconnected"), empty when absent.
std::string RedisStateInHealth(unsigned short port) {
    auto v = TryHttpCall(port, "GET", "/health").Json();
    if (!v.is_object()) return {};
    auto* d = v.as_object().if_contains("data");
    if (!d || !d->is_object()) return {};
    auto* svc = d->as_object().if_contains("services");
    if (!svc || !svc->is_object()) return {};
    auto* r = svc->as_object().if_contains("redis");
    return r && r->is_string() ? std::string(r->as_string()) : std::string();
}

std::string ErrorCode(const HttpResponse& r) {
    auto v = r.Json();
    if (!v.is_object()) return {};
    auto* e = v.as_object().if_contains("error");
    if (!e || !e->is_object()) return {};
    auto* c = e->as_object().if_contains("code");
    return c && c->is_string() ? std::string(c->as_string()) : std::string();
}

// Viewers joining, heartbeating and leaving from several threads; every answer is counted.
class ViewerLoad {
public:
    ViewerLoad(const ServerProcess& server, int workers, int users_per_worker)
        : server_(server) {
        for (int w = 0; w < workers; ++w) {
            threads_.emplace_back([this, w, users_per_worker] { Work(w, users_per_worker); });
        }
    }
    ~ViewerLoad() { Stop(); }
    void Stop() {
        stop_ = true;
        for (auto& t : threads_) {
            if (t.joinable()) t.join();
        }
    }
    // Answers by status since the last Reset; status 0 means no answer within 10 s.
    std::map<unsigned, int> Statuses() {
        std::lock_guard lock(mu_);
        return statuses_;
    }
    void Reset() {
        std::lock_guard lock(mu_);
        statuses_.clear();
    }
    // Session ids of every join that answered 200.
    std::set<std::string> Sessions() {
        std::lock_guard lock(mu_);
        return sessions_;
    }
    std::vector<std::string> UnexpectedBodies() {
        std::lock_guard lock(mu_);
        return unexpected_;
    }

private:
    struct Viewer {
        std::string user;
        std::string stage;  // empty: not seated
    };

    void Work(int worker, int users) {
        std::vector<Viewer> viewers;
        for (int u = 0; u < users; ++u) {
            viewers.push_back({"load-" + std::to_string(worker) + "-" + std::to_string(u), ""});
        }
        for (int round = 0; !stop_; ++round) {
            for (auto& v : viewers) {
                if (stop_) break;
                if (v.stage.empty()) {
                    auto r = server_.Post("/api/token/viewer", {{"userId", v.user}});
                    Record(r);
                    if (r.status == 200) {
                        const auto json = r.Json();
                        const auto& data = json.at("data");
                        v.stage = std::string(data.at("stageArn").as_string());
                        std::lock_guard lock(mu_);
                        sessions_.insert(std::string(data.at("sessionId").as_string()));
                    }
                    continue;
                }
                const bool leave = round % 7 == 6;
                auto r = server_.Post(leave ? "/api/viewer/leave" : "/api/viewer/heartbeat",
                                      {{"userId", v.user}, {"stageArn", v.stage}});
                Record(r);
                // 404: the leave happened in Redis but its answer was lost in the outage.
                if ((leave && r.status == 200) || r.status == 404) v.stage.clear();
            }
        }
        // Everyone leaves at the end (404: nothing left to end).
        for (auto& v : viewers) {
            if (v.stage.empty()) continue;
            WaitUntil([&] {
                auto r = server_.Post("/api/viewer/leave", {{"userId", v.user}, {"stageArn", v.stage}});
                return r.status == 200 || r.status == 404;
            });
        }
    }

    void Record(const HttpResponse& r) {
        std::lock_guard lock(mu_);
        ++statuses_[r.status];
        if (r.status == 503 && ErrorCode(r) != "SERVICE_UNAVAILABLE") unexpected_.push_back(r.body);
        if (r.status != 200 && r.status != 503 && r.status != 404) unexpected_.push_back(r.body);
    }

    const ServerProcess& server_;
    std::atomic<bool> stop_{false};
    std::vector<std::thread> threads_;
    std::mutex mu_;
    std::map<unsigned, int> statuses_;
    std::set<std::string> sessions_;
    std::vector<std::string> unexpected_;
};

TEST(ScaleOutProcess, RedisOutageUnderLoadFailsFastRecoversAndLosesNoHistory) {
    IVS_REQUIRE_HARNESS("IVS_TEST_BINARY");
    // Append-only file so the restarted Redis still holds the sessions and the outbox.
    PrivateRedis redis("--appendonly yes --appendfsync always");
    ServerProcess server(*HarnessEnv("IVS_TEST_BINARY"),
                         "REDIS_HOST=127.0.0.1 REDIS_PORT=" + std::to_string(redis.port()) +
                             " REDIS_COMMAND_TIMEOUT_MS=500"
                             " SESSION_SECRET=scale-out-test-session-secret-0123456789"
                             " RATE_LIMIT_MAX_REQUESTS=1000000");
    ASSERT_TRUE(server.Ready()) << server.Log();
    LivePublisher publisher(server.port(), kKey);
    ASSERT_TRUE(publisher.live()) << publisher.error() << server.Log();
    // The first stage exists before the load starts.
    ASSERT_TRUE(WaitUntil([&] {
        return server.Post("/api/token/viewer", {{"userId", "first"}}).status == 200;
    })) << server.Log();

    // Every connection is up: the shared ones and each further I/O thread's own.
    EXPECT_TRUE(WaitUntil([&] {
        const std::string metrics = TryHttpCall(server.port(), "GET", "/metrics").body;
        return metrics.find("\nivs_redis_connections{state=\"down\"} 0\n") != std::string::npos &&
               metrics.find("\nivs_redis_connections{state=\"ready\"} 0\n") == std::string::npos;
    }));
    ViewerLoad load(server, 4, 8);
    auto ok_answers = [&] { return load.Statuses()[200]; };
    ASSERT_TRUE(WaitUntil([&] { return ok_answers() >= 200; }, std::chrono::seconds(30)));

    // Redis away for 5 s while the load goes on.
    redis.Stop();
    load.Reset();
    const auto stopped_at = std::chrono::steady_clock::now();
    ASSERT_TRUE(WaitUntil([&] { return load.Statuses()[503] > 0; }));
    EXPECT_TRUE(WaitUntil(
        [&] { return std::chrono::steady_clock::now() - stopped_at >= std::chrono::seconds(5); },
        std::chrono::seconds(6)));
    auto during = load.Statuses();
    // /metrics shows the Redis connections down.
    EXPECT_TRUE(WaitUntil([&] {
        return TryHttpCall(server.port(), "GET", "/metrics").body.find(
                   "\nivs_redis_connections{state=\"ready\"} 0\n") != std::string::npos;
    }));
    std::cout << "answers while Redis was away: " << during[503] << " x 503, " << during[200]
              << " x 200 (finished before the stop)\n";
    EXPECT_EQ(TryHttpCall(server.port(), "GET", "/health").status, 200u);
    EXPECT_EQ(TryHttpCall(server.port(), "GET", "/api/health").status, 503u);
    // Liveness reports the last known Redis state without calling it.
    EXPECT_EQ(RedisStateInHealth(server.port()), "disconnected");

    ASSERT_TRUE(redis.Start());
    load.Reset();
    EXPECT_TRUE(WaitUntil([&] { return ok_answers() >= 200; }, std::chrono::seconds(30)))
        << server.Log();
    EXPECT_EQ(TryHttpCall(server.port(), "GET", "/api/health").status, 200u);
    load.Stop();

    // Fail fast: many answers while Redis was away, every one of them a 503 envelope (or a 200
    // finished just before), none missing.
    EXPECT_EQ(during.count(0), 0u) << "requests without an answer during the outage";
    EXPECT_GE(during[503], 100) << "too few answers while Redis was away: calls waited";
    EXPECT_TRUE(load.UnexpectedBodies().empty()) << load.UnexpectedBodies().front();

    // No history row lost or duplicated: every session a join confirmed has exactly one row,
    // and every row is closed once everyone has left (the leader drains the Redis outbox into
    // the history store in the background: wait for it).
    const auto sessions = load.Sessions();
    ASSERT_FALSE(sessions.empty());
    std::cout << sessions.size() << " sessions confirmed to viewers\n";
    auto stored_ids = [&] {
        std::set<std::string> stored;
        std::istringstream lines(server.Sql("SELECT session_id FROM viewer_sessions"));
        for (std::string line; std::getline(lines, line);) stored.insert(line);
        return stored;
    };
    auto missing = [&] {
        auto stored = stored_ids();
        std::size_t n = 0;
        for (const auto& id : sessions) n += stored.count(id) == 0 ? 1 : 0;
        return n;
    };
    const std::string open_rows =
        "SELECT COUNT(*) FROM viewer_sessions WHERE left_at IS NULL AND user_id <> 'first'";
    EXPECT_TRUE(WaitUntil([&] { return missing() == 0 && server.Sql(open_rows) == "0\n"; },
                          std::chrono::seconds(60)))
        << missing() << " confirmed sessions without a row; open rows: " << server.Sql(open_rows)
        << server.Log();
    EXPECT_EQ(server.Sql("SELECT COUNT(*) - COUNT(DISTINCT session_id) FROM viewer_sessions"),
              "0\n");
}

// Each further I/O thread sends its heartbeats on a Redis connection of its own: heartbeats
// on connections of every thread are answered, /metrics counts every connection, and after a
// Redis outage each thread's heartbeats come back by themselves.
TEST(ScaleOutProcess, HeartbeatsOnEveryIoThreadUseTheirOwnConnectionAndRecover) {
    IVS_REQUIRE_HARNESS("IVS_TEST_BINARY");
    PrivateRedis redis("--appendonly yes --appendfsync always");  // the session survives
    ServerProcess server(*HarnessEnv("IVS_TEST_BINARY"),
                         "IO_THREADS=3 REQUIRE_LIVE_PUBLISHER=false RATE_LIMIT_MAX_REQUESTS=1000000"
                         " SESSION_SECRET=scale-out-test-session-secret-0123456789"
                         " REDIS_HOST=127.0.0.1 REDIS_PORT=" +
                             std::to_string(redis.port()));
    ASSERT_TRUE(server.Ready()) << server.Log();
    HttpResponse join;
    ASSERT_TRUE(WaitUntil([&] {
        join = server.Post("/api/token/viewer", {{"userId", "lanes"}});
        return join.status == 200;
    })) << join.body << server.Log();
    const std::string arn(join.Json().at("data").at("stageArn").as_string());
    // New connections are placed on the I/O threads in turn: six in a row cover each twice.
    auto heartbeats = [&] {
        std::map<unsigned, int> statuses;
        for (int i = 0; i < 6; ++i) {
            const boost::json::object body{{"userId", "lanes"}, {"stageArn", arn}};
            ++statuses[server.Post("/api/viewer/heartbeat", body).status];
        }
        return statuses;
    };
    EXPECT_TRUE(WaitUntil([&] {
        return TryHttpCall(server.port(), "GET", "/metrics")
                   .body.find("\nivs_redis_connections{state=\"ready\"} 4\n") != std::string::npos;
    })) << "2 shared connections and one for each of the 2 further I/O threads";
    EXPECT_EQ(heartbeats(), (std::map<unsigned, int>{{200u, 6}}));

    redis.Stop();
    EXPECT_TRUE(WaitUntil([&] { return heartbeats() == std::map<unsigned, int>{{503u, 6}}; }))
        << server.Log();
    ASSERT_TRUE(redis.Start());
    EXPECT_TRUE(WaitUntil([&] { return heartbeats() == std::map<unsigned, int>{{200u, 6}}; },
                          std::chrono::seconds(20)))
        << server.Log();
    EXPECT_TRUE(WaitUntil([&] {
        return TryHttpCall(server.port(), "GET", "/metrics")
                   .body.find("\nivs_redis_connections{state=\"ready\"} 4\n") != std::string::npos;
    }));
}

TEST(ScaleOutProcess, InstancesWithoutSessionSecretShareOneThroughRedis) {
    IVS_REQUIRE_HARNESS("IVS_TEST_BINARY");
    // Only the Node server's variables: no SESSION_SECRET anywhere.
    PrivateRedis redis;
    const std::string env = "REDIS_HOST=127.0.0.1 REDIS_PORT=" + std::to_string(redis.port());
    ServerProcess a(*HarnessEnv("IVS_TEST_BINARY"), env);
    ASSERT_TRUE(a.Ready()) << a.Log();
    EXPECT_TRUE(WaitUntil([&] { return RedisStateInHealth(a.port()) == "connected"; }));
    LivePublisher publisher(a.port(), kKey);
    ASSERT_TRUE(publisher.live()) << publisher.error() << a.Log();

    // One secret, stored once, random.
    std::string stored;
    RunCommand("redis-cli -p " + std::to_string(redis.port()) + " GET ivs:prod:session-secret",
               &stored);
    EXPECT_EQ(stored.size(), 65u) << stored;  // 64 hex digits and a newline

    HttpResponse join;
    ASSERT_TRUE(WaitUntil(
        [&] {
            join = a.Post("/api/token/viewer", {{"userId", "shared-secret-user"}});
            return join.status == 200;
        },
        std::chrono::seconds(20), std::chrono::milliseconds(200)))
        << join.body << a.Log();
    const boost::json::value data = join.Json().at("data");
    const std::string token(data.at("sessionToken").as_string());

    // A second instance (its own DATA_DIR) accepts the session token the first one issued.
    // Each process here runs its own in-process IVS emulator (which does not know the first
    // one's stages), so the check is the authentication: the token passes, a forged one not.
    ServerProcess b(*HarnessEnv("IVS_TEST_BINARY"), env);
    ASSERT_TRUE(b.Ready()) << b.Log();
    boost::json::object body{{"userId", "shared-secret-user"}, {"stageArn", data.at("stageArn")}};
    auto heartbeat = [&](const std::string& bearer) {
        return TryHttpCall(b.port(), "POST", "/api/viewer/heartbeat", boost::json::serialize(body),
                           {{"authorization", "Bearer " + bearer},
                            {"content-type", "application/json"}});
    };
    auto accepted = heartbeat(token);
    EXPECT_NE(accepted.status, 401u) << accepted.body << b.Log();
    EXPECT_NE(accepted.status, 0u);
    EXPECT_EQ(heartbeat(token + "x").status, 401u);
    std::string again;
    RunCommand("redis-cli -p " + std::to_string(redis.port()) + " GET ivs:prod:session-secret",
               &again);
    EXPECT_EQ(again, stored);
}

}  // namespace
}  // namespace ivs::test
