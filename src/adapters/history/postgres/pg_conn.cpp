#include "adapters/history/postgres/pg_conn.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <cstdlib>
#include <stdexcept>

#include "adapters/history/migrations.hpp"
#include "adapters/history/store_common.hpp"

namespace ivs::adapters::history {

namespace {

// SQLSTATE classes that mean "try again later" rather than "this statement is wrong".
bool IsTransient(const char* sqlstate) {
    if (!sqlstate) return true;
    std::string_view s(sqlstate);
    return s.starts_with("08") || s.starts_with("53") || s.starts_with("57") ||
           s == "40001" || s == "40P01" || s == "55P03";
}

}  // namespace

PgResult::PgResult(pg_result* r) : r_(r) {}
PgResult::~PgResult() {
    if (r_) PQclear(r_);
}
int PgResult::Rows() const { return PQntuples(r_); }
bool PgResult::IsNull(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
std::string PgResult::Text(int row, int col) const {
    return std::string(PQgetvalue(r_, row, col),
                       static_cast<std::size_t>(PQgetlength(r_, row, col)));
}
std::int64_t PgResult::Int(int row, int col) const {
    const char* v = PQgetvalue(r_, row, col);
    std::int64_t out = 0;
    std::from_chars(v, v + PQgetlength(r_, row, col), out);
    return out;
}
double PgResult::Double(int row, int col) const {
    return std::strtod(PQgetvalue(r_, row, col), nullptr);
}
bool PgResult::Bool(int row, int col) const { return PQgetvalue(r_, row, col)[0] == 't'; }
std::int64_t PgResult::Affected() const {
    const char* n = PQcmdTuples(r_);
    return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

PgConn::PgConn(PgOptions options, HungHandler on_hung)
    : options_(std::move(options)), on_hung_(std::move(on_hung)) {}

PgConn::~PgConn() { Drop(); }

void PgConn::Drop() {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    prepared_.clear();
}

void PgConn::Ensure() {
    if (conn_ && PQstatus(conn_) == CONNECTION_OK) return;
    Drop();
    auto now = std::chrono::steady_clock::now();
    if (now < retry_at_) throw DbError(Errc::unavailable, "postgres: reconnect backoff");

    std::string port = std::to_string(options_.port);
    std::string timeout = std::to_string(options_.connect_timeout_seconds);
    std::string server_options = "-c statement_timeout=" +
                                 std::to_string(options_.statement_timeout_ms) +
                                 " -c TimeZone=UTC -c client_min_messages=warning";
    if (!options_.schema.empty()) server_options += " -c search_path=" + options_.schema;
    // TCP keep-alives and a user timeout notice a peer that vanished (host down, network cut);
    // a server that still holds the socket but stopped answering is Await's deadline.
    const char* keys[] = {"host",     "port",           "dbname",  "user",
                          "password", "connect_timeout", "sslmode", "application_name",
                          "options",  "keepalives",      "keepalives_idle",
                          "keepalives_interval",       "keepalives_count",
                          "tcp_user_timeout",          nullptr};
    const char* values[] = {options_.host.c_str(),
                            port.c_str(),
                            options_.dbname.c_str(),
                            options_.user.c_str(),
                            options_.password.c_str(),
                            timeout.c_str(),
                            options_.ssl ? "require" : "disable",
                            "ivs-server",
                            server_options.c_str(),
                            "1",
                            "10",
                            "5",
                            "3",
                            "10000",
                            nullptr};
    conn_ = PQconnectdbParams(keys, values, 0);
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
        std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
        Drop();
        // A server that is down refuses at once; one that takes a second to fail is hung (the
        // kernel accepted the connection, nobody answers the start-up packet).
        const bool hung = std::chrono::steady_clock::now() - now >= std::chrono::seconds(1);
        if (hung) Hung("the connection attempt timed out");
        backoff_ = std::min<std::chrono::milliseconds>(
            std::chrono::seconds(5),
            backoff_.count() == 0 ? std::chrono::milliseconds(100) : backoff_ * 2);
        retry_at_ = now + backoff_;
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        throw DbError(hung ? Errc::timeout : Errc::unavailable, "postgres connect: " + msg);
    }
    backoff_ = std::chrono::milliseconds(0);
}

PgResult PgConn::Check(pg_result* r, const std::string& what) {
    PgResult result(r);
    auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
    std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    bool broken = PQstatus(conn_) != CONNECTION_OK;
    Errc code = (broken || IsTransient(state)) ? Errc::unavailable : Errc::internal;
    if (state && std::string_view(state) == "57014") code = Errc::timeout;  // statement timeout
    if (broken) Drop();
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw DbError(code, "postgres " + what + ": " + msg);
}

namespace {
std::vector<const char*> Pointers(const PgParams& params) {
    std::vector<const char*> out;
    out.reserve(params.size());
    for (const auto& p : params) out.push_back(p ? p->c_str() : nullptr);
    return out;
}
}  // namespace

pg_result* PgConn::Await(int sent, const std::string& what) {
    if (!sent) return nullptr;  // Check reports the connection's error
    const auto limit = std::chrono::milliseconds(options_.statement_timeout_ms + 1000);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    pg_result* last = nullptr;
    pg_result* failed = nullptr;
    for (;;) {
        while (PQisBusy(conn_)) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            pollfd p{PQsocket(conn_), POLLIN, 0};
            if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) == 0) {
                // Hung server: give the connection up (its backend ends when it notices).
                if (last) PQclear(last);
                if (failed) PQclear(failed);
                Drop();
                std::string why = what + ": no answer within " + std::to_string(limit.count()) +
                                  " ms";
                Hung(why);
                throw DbError(Errc::timeout, "postgres " + why);
            }
            if (!PQconsumeInput(conn_)) break;  // broken: PQgetResult reports it
        }
        pg_result* r = PQgetResult(conn_);
        if (!r) break;
        const auto status = PQresultStatus(r);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && !failed) {
            failed = r;  // the first error is the answer, as PQexec gives it
        } else {
            if (last) PQclear(last);
            last = r;
        }
        if (PQstatus(conn_) == CONNECTION_BAD) break;
    }
    if (failed) {
        if (last) PQclear(last);
        return failed;
    }
    return last;
}

PgResult PgConn::Exec(const std::string& sql, const PgParams& params) {
    Ensure();
    auto ptrs = Pointers(params);
    return Check(Await(PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(params.size()),
                                         nullptr, ptrs.data(), nullptr, nullptr, 0),
                       "query"),
                 "query");
}

PgResult PgConn::Prepared(const std::string& name, const std::string& sql,
                          const PgParams& params) {
    Ensure();
    if (!prepared_.count(name)) {
        Check(Await(PQsendPrepare(conn_, name.c_str(), sql.c_str(),
                                  static_cast<int>(params.size()), nullptr),
                    "prepare " + name),
              "prepare " + name);
        prepared_.insert(name);
    }
    auto ptrs = Pointers(params);
    return Check(Await(PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(params.size()),
                                           ptrs.data(), nullptr, nullptr, 0),
                       name),
                 name);
}

void PgConn::Command(const std::string& sql) {
    Ensure();
    Check(Await(PQsendQuery(conn_, sql.c_str()), "command"), "command");
}

int MigratePostgres(PgConn& conn) {
    // Several instances may start at once: one migrates, the others wait and then see it done.
    constexpr const char* kLockKey = "7305517010";
    conn.Command("SELECT pg_advisory_lock(" + std::string(kLockKey) + ")");
    CleanupOnExit unlock([&conn] { conn.Command("SELECT pg_advisory_unlock_all()"); });
    conn.Command(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT "
        "NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
    auto r = conn.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    int current = static_cast<int>(r.Int(0, 0));
    if (current > LatestSchemaVersion()) throw std::runtime_error(NewerSchemaMessage(current));
    for (const auto& m : PostgresMigrations()) {
        if (m.version <= current) continue;
        PgTransaction tx(conn);
        conn.Command(m.sql);
        conn.Exec("INSERT INTO schema_version (version, name) VALUES ($1::int, $2)",
                  {std::to_string(m.version), m.name});
        tx.Commit();
        current = m.version;
    }
    return current;
}

}  // namespace ivs::adapters::history
