#pragma once

// Helpers shared by the history suites: run an awaitable to completion, make events, and
// open a store on a fresh SQLite file or a fresh PostgreSQL schema.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "adapters/history/postgres/pg_conn.hpp"
#include "core/random.hpp"
#include "ports/history_store.hpp"
#include "test_support.hpp"

namespace ivs::test {

template <class T>
T RunAwait(boost::asio::awaitable<T> aw) {
    boost::asio::io_context ioc;
    auto fut = boost::asio::co_spawn(ioc, std::move(aw), boost::asio::use_future);
    ioc.run();
    return fut.get();
}

inline SystemTime At(std::int64_t seconds) {
    return SystemTime(std::chrono::seconds(1'700'000'000 + seconds));
}

inline ports::SessionEvent Started(const std::string& sid, const std::string& user,
                                   const std::string& arn, SystemTime joined) {
    ports::SessionEvent e;
    e.kind = ports::SessionEvent::Kind::started;
    e.session_id = sid;
    e.user_id = user;
    e.stage_arn = arn;
    e.participant_id = "p-" + sid;
    e.joined_at = joined;
    e.last_heartbeat = joined;
    e.user_agent = "test-agent";
    e.ip_address = "127.0.0.1";
    return e;
}

inline ports::SessionEvent Ended(const std::string& sid, const std::string& user,
                                 const std::string& arn, SystemTime joined, SystemTime left,
                                 const std::string& reason = "leave") {
    ports::SessionEvent e = Started(sid, user, arn, joined);
    e.kind = ports::SessionEvent::Kind::ended;
    e.left_at = left;
    e.last_heartbeat = left;
    e.end_reason = reason;
    return e;
}

// PostgreSQL from the harness variables, in a schema of its own dropped at the end.
class PgTestSchema {
public:
    PgTestSchema();
    ~PgTestSchema();
    adapters::history::PgOptions Options() const { return options_; }

private:
    adapters::history::PgOptions options_;
};

inline adapters::history::PgOptions HarnessPgOptions() {
    adapters::history::PgOptions o;
    o.host = HarnessEnv("IVS_TEST_PG_HOST").value_or("127.0.0.1");
    o.port = std::stoi(HarnessEnv("IVS_TEST_PG_PORT").value_or("5432"));
    o.user = HarnessEnv("IVS_TEST_PG_USER").value_or("postgres");
    o.dbname = HarnessEnv("IVS_TEST_PG_DB").value_or("ivs_test");
    o.pool_size = 4;
    return o;
}

inline PgTestSchema::PgTestSchema() : options_(HarnessPgOptions()) {
    options_.schema = "hist_t" + RandomString(10, "abcdefghijklmnopqrstuvwxyz0123456789");
    adapters::history::PgConn admin(HarnessPgOptions());
    admin.Command("CREATE SCHEMA " + options_.schema);
}

inline PgTestSchema::~PgTestSchema() {
    try {
        adapters::history::PgConn admin(HarnessPgOptions());
        admin.Command("DROP SCHEMA IF EXISTS " + options_.schema + " CASCADE");
    } catch (...) {
    }
}

// A PostgreSQL server of this test's own, so it can be stopped and started.
class PrivatePostgres {
public:
    PrivatePostgres() {
        std::filesystem::permissions(dir_.path(), std::filesystem::perms::all);
        std::string out;
        RunCommand(Script("free-port.sh"), &out);
        port_ = std::stoi(out);
    }
    ~PrivatePostgres() { Stop(); }
    static std::string Script(const std::string& name) {
        return *HarnessEnv("IVS_TEST_HARNESS_DIR") + "/" + name;
    }
    bool Start() {
        return RunCommand(Script("pg.sh") + " start " + dir_.path() + "/pg " +
                          std::to_string(port_)) == 0;
    }
    void Stop() { RunCommand(Script("pg.sh") + " stop " + dir_.path() + "/pg"); }
    // Sends `signal` (e.g. SIGSTOP / SIGCONT) to the postmaster and every backend it forked:
    // the postmaster first, so it forks no new backend meanwhile.
    bool Signal(int signal) {
        std::ifstream in(dir_.path() + "/pg/data/postmaster.pid");
        pid_t pid = 0;
        if (!(in >> pid) || pid <= 0 || ::kill(pid, signal) != 0) return false;
        RunCommand("for c in $(pgrep -P " + std::to_string(pid) + "); do kill -" +
                   std::to_string(signal) + " $c; done");
        return true;
    }
    adapters::history::PgOptions Options() const {
        adapters::history::PgOptions o;
        o.host = "127.0.0.1";
        o.port = port_;
        o.dbname = "ivs_test";
        o.user = "postgres";
        o.pool_size = 2;
        o.connect_timeout_seconds = 1;
        return o;
    }

private:
    TempDir dir_;
    int port_ = 0;
};

}  // namespace ivs::test
