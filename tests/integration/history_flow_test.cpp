// Issue acceptance flows over HTTP with the real audience service: every session that starts
// becomes exactly one closed row, in SQLite mode, across a SIGKILL of the server process, and
// across a PostgreSQL outage.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <csignal>
#include <set>

#include "../contract/history_test_util.hpp"
#include "adapters/history/postgres/pg_conn.hpp"
#include "core/time_format.hpp"
#include "live_publisher.hpp"

namespace ivs::test {
namespace {

namespace json = boost::json;

struct Seat {
    std::string user_id;
    std::string stage_arn;
};

template <class Server>
Seat Join(Server& s, const std::string& user) {
    auto r = s.Post("/api/token/viewer", json::object{{"userId", user}});
    EXPECT_EQ(r.status, 200u) << r.body;
    if (r.status != 200u) return {user, ""};
    return {user, std::string(r.Json().at("data").at("stageArn").as_string())};
}

template <class Server>
void Leave(Server& s, const Seat& seat) {
    auto r = s.Post("/api/viewer/leave",
                    json::object{{"userId", seat.user_id}, {"stageArn", seat.stage_arn}});
    EXPECT_EQ(r.status, 200u) << r.body;
}

// (rows, closed rows) of one user, through the history endpoint.
template <class Server>
std::pair<int, int> Rows(Server& s, const std::string& user) {
    auto r = s.Get("/api/viewer/history/" + user + "?limit=100");
    if (r.status != 200u) return {-1, -1};
    int rows = 0, closed = 0;
    json::value doc = r.Json();
    for (const auto& row : doc.at("data").at("history").as_array()) {
        ++rows;
        if (!row.at("leftAt").is_null()) {
            ++closed;
            EXPECT_GE(row.at("watchDurationSeconds").as_int64(), 0);
            EXPECT_GE(row.at("leftAt").as_string(), row.at("joinedAt").as_string());
        }
    }
    return {rows, closed};
}

TEST(HistoryFlow, SqliteModeRecordsEverySessionOnceAndClosesLeftOnesAtRestart) {
    TempDir data;
    std::vector<Seat> seats;
    {
        TestServer server(Environment{{"DATA_DIR", data.path()}});
        auto publisher = PublishLive(server);
        ASSERT_TRUE(publisher->live()) << publisher->error();
        for (int i = 0; i < 10; ++i) seats.push_back(Join(server, fmt::format("flow-{}", i)));
        for (int i = 0; i < 4; ++i) Leave(server, seats[static_cast<std::size_t>(i)]);
        ASSERT_TRUE(WaitUntil([&] {
            for (int i = 0; i < 10; ++i) {
                auto [rows, closed] = Rows(server, seats[static_cast<std::size_t>(i)].user_id);
                if (rows != 1 || closed != (i < 4 ? 1 : 0)) return false;
            }
            return true;
        }));
    }
    TestServer again(Environment{{"DATA_DIR", data.path()}});
    ASSERT_TRUE(WaitUntil([&] {
        for (const auto& s : seats) {
            if (Rows(again, s.user_id) != std::pair{1, 1}) return false;
        }
        return true;
    }));
}

// The real binary in its own process, so it can be killed.
class ServerProcess {
public:
    ServerProcess(const std::string& data_dir, const std::string& extra_env) {
        std::string out;
        RunCommand(*HarnessEnv("IVS_TEST_HARNESS_DIR") + "/free-port.sh", &out);
        port_ = static_cast<unsigned short>(std::stoi(out));
        std::string cmd = fmt::format(
            "(cd {0} && exec env DATA_DIR={0} API_HOST=127.0.0.1 API_PORT={1} API_SECRET_KEY={2} "
            "LOG_LEVEL=warn {3} {4}) >>{0}/server.log 2>&1 & "
            "echo $!",
            data_dir, port_, TestServer::kTestKey, extra_env, *HarnessEnv("IVS_TEST_BINARY"));
        RunCommand(cmd, &out);
        pid_ = std::stoi(out);
        WaitUntil(
            [&] { return TryHttpCall(port_, "GET", "/health").status == 200; },
            std::chrono::seconds(20));
    }
    ~ServerProcess() {
        if (pid_ > 0) Kill(SIGKILL);
    }
    void Kill(int sig) {
        ::kill(pid_, sig);
        WaitUntil([&] { return ::kill(pid_, 0) != 0; }, std::chrono::seconds(20));
        RunCommand(fmt::format("wait {} 2>/dev/null; true", pid_));
        pid_ = -1;
    }
    unsigned short port() const { return port_; }
    HttpResponse Get(const std::string& target) {
        return HttpCall(port_, "GET", target, "", {{"x-api-key", TestServer::kTestKey}});
    }
    HttpResponse Post(const std::string& target, const json::value& body) {
        return HttpCall(port_, "POST", target, json::serialize(body),
                        {{"x-api-key", TestServer::kTestKey},
                         {"content-type", "application/json"}});
    }

private:
    unsigned short port_ = 0;
    int pid_ = -1;
};

TEST(HistoryFlow, SigkillWithOpenSessionsThenRestartClosesThemOnce) {
    IVS_REQUIRE_HARNESS("IVS_TEST_BINARY");
    IVS_REQUIRE_HARNESS("IVS_TEST_HARNESS_DIR");
    TempDir data;
    std::vector<Seat> seats;
    {
        ServerProcess server(data.path(), "");
        LivePublisher publisher(server.port(), TestServer::kTestKey);
        ASSERT_TRUE(publisher.live()) << publisher.error();
        for (int i = 0; i < 5; ++i) seats.push_back(Join(server, fmt::format("killed-{}", i)));
        Leave(server, seats[0]);
        ASSERT_TRUE(WaitUntil([&] { return Rows(server, seats[4].user_id).first == 1; }));
        ASSERT_TRUE(WaitUntil([&] { return Rows(server, seats[0].user_id).second == 1; }));
        server.Kill(SIGKILL);
    }
    for (int round = 0; round < 2; ++round) {
        ServerProcess server(data.path(), "");
        ASSERT_TRUE(WaitUntil([&] {
            for (const auto& s : seats) {
                if (Rows(server, s.user_id) != std::pair{1, 1}) return false;
            }
            return true;
        })) << "round " << round;
        server.Kill(SIGKILL);
    }
}

// The start of a session is committed before its 200: killing the server right after the
// answers (no time for a background drain) still leaves every joined viewer one row.
TEST(HistoryFlow, ASigkillRightAfterJoinsAnsweredLosesNoRow) {
    IVS_REQUIRE_HARNESS("IVS_TEST_BINARY");
    IVS_REQUIRE_HARNESS("IVS_TEST_HARNESS_DIR");
    TempDir data;
    std::vector<Seat> seats;
    {
        ServerProcess server(data.path(), "");
        LivePublisher publisher(server.port(), TestServer::kTestKey);
        ASSERT_TRUE(publisher.live()) << publisher.error();
        for (int i = 0; i < 20; ++i) seats.push_back(Join(server, fmt::format("sudden-{}", i)));
        server.Kill(SIGKILL);
    }
    ServerProcess server(data.path(), "");
    ASSERT_TRUE(WaitUntil([&] {
        for (const auto& s : seats) {
            if (Rows(server, s.user_id) != std::pair{1, 1}) return false;
        }
        return true;
    }));
}

// A crash closes a session's row at the last heartbeat the sweeper checkpointed, not at the
// join: the history keeps the time actually watched.
TEST(HistoryFlow, ACrashedSessionIsClosedAtItsLastCheckpointedHeartbeat) {
    IVS_REQUIRE_HARNESS("IVS_TEST_BINARY");
    IVS_REQUIRE_HARNESS("IVS_TEST_HARNESS_DIR");
    TempDir data;
    auto sql = [&](const std::string& query) {
        std::string out;
        // The server writes meanwhile: wait for a lock rather than fail.
        RunCommand("sqlite3 -cmd '.timeout 5000' " + data.path() + "/ivs.db \"" + query + "\"", &out);
        while (!out.empty() && out.back() == '\n') out.pop_back();
        return out;
    };
    const std::string row = "FROM viewer_sessions WHERE user_id = 'watcher'";
    std::string checkpointed;
    {
        ServerProcess server(data.path(), "HEARTBEAT_CHECKPOINT_SECONDS=1");
        LivePublisher publisher(server.port(), TestServer::kTestKey);
        ASSERT_TRUE(publisher.live()) << publisher.error();
        const Seat seat = Join(server, "watcher");
        ASSERT_FALSE(seat.stage_arn.empty());
        // Heartbeats until one of them, later than the join, is in the history store.
        ASSERT_TRUE(WaitUntil(
            [&] {
                auto r = server.Post("/api/viewer/heartbeat",
                                     json::object{{"userId", seat.user_id},
                                                  {"stageArn", seat.stage_arn}});
                EXPECT_EQ(r.status, 200u) << r.body;
                return sql("SELECT last_heartbeat > joined_at " + row) == "1";
            },
            std::chrono::seconds(20), std::chrono::milliseconds(200)));
        // No heartbeat after this one: the crash follows once it is checkpointed.
        auto last = server.Post("/api/viewer/heartbeat",
                                json::object{{"userId", seat.user_id}, {"stageArn", seat.stage_arn}});
        ASSERT_EQ(last.status, 200u);
        auto last_at = ParseIso8601(last.Json().at("data").at("lastHeartbeat").as_string());
        ASSERT_TRUE(last_at.has_value());
        const std::string last_ms = std::to_string(ToUnixMillis(*last_at));  // stored as Unix ms
        ASSERT_TRUE(WaitUntil([&] {
            checkpointed = sql("SELECT last_heartbeat " + row);
            return checkpointed == last_ms &&
                   sql("SELECT COUNT(*) " + row + " AND left_at IS NULL") == "1";
        }, std::chrono::seconds(20))) << checkpointed << " vs " << last_ms;
        server.Kill(SIGKILL);
    }
    ServerProcess again(data.path(), "");
    ASSERT_TRUE(WaitUntil([&] { return sql("SELECT COUNT(*) " + row + " AND left_at IS NOT NULL") == "1"; }));
    EXPECT_EQ(sql("SELECT left_at " + row), checkpointed);
    EXPECT_EQ(sql("SELECT left_at > joined_at " + row), "1");
    EXPECT_EQ(sql("SELECT COUNT(*) " + row), "1");
}

// The PostgreSQL acceptance: 50 viewers join, 20 leave and 30 go silent -> exactly 50
// closed rows; 20 more join, PostgreSQL stops, they leave (200s), PostgreSQL returns -> exactly
// 20 more closed rows within 30 s, no duplicates; snapshots appear.
TEST(HistoryFlow, PostgresOutageDelaysRowsButLosesNone) {
    IVS_REQUIRE_HARNESS("IVS_TEST_HARNESS_DIR");
    IVS_REQUIRE_HARNESS("IVS_TEST_PG_PORT");
    PrivatePostgres pg;
    ASSERT_TRUE(pg.Start());
    auto o = pg.Options();
    TestServer server({{"DB_HOST", o.host},
                       {"DB_PORT", std::to_string(o.port)},
                       {"DB_NAME", o.dbname},
                       {"DB_POOL_MAX", "2"},
                       {"HEARTBEAT_TIMEOUT_SECONDS", "4"},
                       {"SNAPSHOT_INTERVAL_SECONDS", "1"}});
    auto publisher = PublishLive(server);
    ASSERT_TRUE(publisher->live()) << publisher->error();
    adapters::history::PgConn check(o);
    auto count = [&](const std::string& sql) {
        try {
            return check.Exec(sql).Int(0, 0);
        } catch (...) {
            return std::int64_t{-1};
        }
    };
    auto rows = [&](const char* where) {
        return count(std::string("SELECT COUNT(*) FROM viewer_sessions ") + where);
    };

    std::vector<Seat> seats;
    for (int i = 0; i < 50; ++i) seats.push_back(Join(server, fmt::format("pg-{}", i)));
    for (int i = 0; i < 20; ++i) Leave(server, seats[static_cast<std::size_t>(i)]);
    // The other 30 never heartbeat: the sweeper ends them at their last heartbeat.
    ASSERT_TRUE(WaitUntil([&] { return rows("WHERE left_at IS NOT NULL") == 50; },
                          std::chrono::seconds(30)));
    EXPECT_EQ(rows(""), 50);
    EXPECT_EQ(count("SELECT COUNT(DISTINCT session_id) FROM viewer_sessions"), 50);
    EXPECT_EQ(rows("WHERE left_at < joined_at OR watch_duration_seconds < 0"), 0);
    EXPECT_TRUE(WaitUntil([&] { return count("SELECT COUNT(*) FROM viewer_stats_snapshots") > 0; },
                          std::chrono::seconds(15)));

    std::vector<Seat> more;
    for (int i = 0; i < 20; ++i) more.push_back(Join(server, fmt::format("pg-more-{}", i)));
    ASSERT_TRUE(WaitUntil([&] { return rows("") == 70; }));
    pg.Stop();
    for (const auto& s : more) Leave(server, s);  // 200 while PostgreSQL is down
    auto down = server.Get("/api/health");
    EXPECT_EQ(down.status, 503u);

    ASSERT_TRUE(pg.Start());
    ASSERT_TRUE(WaitUntil([&] { return rows("WHERE left_at IS NOT NULL") == 70; },
                          std::chrono::seconds(30)));
    EXPECT_EQ(rows(""), 70);
    EXPECT_EQ(count("SELECT COUNT(DISTINCT session_id) FROM viewer_sessions"), 70);
    EXPECT_EQ(rows("WHERE left_at < joined_at OR watch_duration_seconds < 0"), 0);
    auto r = server.Get("/api/viewer/history/pg-more-3");
    ASSERT_EQ(r.status, 200u);
    json::value doc = r.Json();
    EXPECT_FALSE(doc.at("data").at("history").at(0).at("leftAt").is_null());
}

}  // namespace
}  // namespace ivs::test
