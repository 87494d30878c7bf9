#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "adapters/history/db_transaction.hpp"

struct pg_conn;
struct pg_result;

namespace ivs::adapters::history {

struct PgOptions {
    std::string host = "127.0.0.1";
    int port = 5432;
    std::string dbname = "ivs_live";
    std::string user = "postgres";
    std::string password;
    bool ssl = false;                       // sslmode=require
    int pool_size = 4;                      // connections (= worker threads)
    int connect_timeout_seconds = 2;
    int statement_timeout_ms = 5000;
    std::string schema;                     // search_path when not empty (tests)
    std::size_t queue_cap = 20000;
    std::chrono::milliseconds breaker_probe_interval{500};  // while the pool's breaker is open
};

using PgParams = std::vector<std::optional<std::string>>;

// A query result. Values are read as text and converted.
class PgResult {
public:
    explicit PgResult(pg_result* r);
    ~PgResult();
    PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
    PgResult(const PgResult&) = delete;
    PgResult& operator=(const PgResult&) = delete;

    int Rows() const;
    bool IsNull(int row, int col) const;
    std::string Text(int row, int col) const;
    std::int64_t Int(int row, int col) const;
    double Double(int row, int col) const;
    bool Bool(int row, int col) const;
    std::int64_t Affected() const;

private:
    pg_result* r_;
};

// Row `row` of a PgResult, read by column (for ReadColumns).
class PgRow {
public:
    PgRow(const PgResult& result, int row) : result_(result), row_(row) {}

    bool IsNull(int col) const { return result_.IsNull(row_, col); }
    std::string Text(int col) const { return result_.Text(row_, col); }
    std::int64_t Int(int col) const { return result_.Int(row_, col); }
    double Double(int col) const { return result_.Double(row_, col); }
    bool Bool(int col) const { return result_.Bool(row_, col); }

private:
    const PgResult& result_;
    int row_;
};

// One libpq connection, opened lazily and re-opened after a failure with exponential backoff
// (while backing off, calls fail at once with unavailable instead of waiting). Statements
// named in Prepared() are prepared once per connection. Errors throw DbError. Not
// thread-safe: owned by one worker thread.
class PgConn {
public:
    // Called (before the DbError is thrown) when the server looks hung rather than down: a
    // query unanswered within its deadline, a connection attempt that timed out.
    using HungHandler = std::function<void(const std::string& why)>;

    explicit PgConn(PgOptions options, HungHandler on_hung = {});
    ~PgConn();
    PgConn(const PgConn&) = delete;
    PgConn& operator=(const PgConn&) = delete;

    PgResult Exec(const std::string& sql, const PgParams& params = {});
    PgResult Prepared(const std::string& name, const std::string& sql, const PgParams& params);
    void Command(const std::string& sql);  // no parameters, several statements allowed
    bool Connected() const { return conn_ != nullptr; }

    // The statements of a PgTransaction. Rolling back without a connection does nothing: a
    // broken connection has no transaction left.
    void BeginTransaction() { Command("BEGIN"); }
    void CommitTransaction() { Command("COMMIT"); }
    void RollbackTransaction() {
        if (Connected()) Command("ROLLBACK");
    }

private:
    void Ensure();
    PgResult Check(pg_result* r, const std::string& what);
    // The result of the query just sent (0 when sending failed), waiting at most the statement
    // timeout plus a second; past that the connection is dropped and DbError(timeout) thrown.
    pg_result* Await(int sent, const std::string& what);
    void Drop();

    void Hung(const std::string& why) {
        if (on_hung_) on_hung_(why);
    }

    PgOptions options_;
    HungHandler on_hung_;
    pg_conn* conn_ = nullptr;
    std::set<std::string> prepared_;
    std::chrono::steady_clock::time_point retry_at_{};
    std::chrono::milliseconds backoff_{0};
};

// BEGIN ... COMMIT on a PgConn, rolled back unless Commit() ran.
using PgTransaction = DbTransaction<PgConn>;

// Applies the missing migrations under an advisory lock; throws std::runtime_error for a schema
// newer than this binary and DbError when the server cannot be reached.
int MigratePostgres(PgConn& conn);

}  // namespace ivs::adapters::history
