#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/history/db_transaction.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace ivs::adapters::history {

// A prepared statement of one SqliteDb. Not thread-safe (one connection, one thread).
class SqliteStmt {
public:
    explicit SqliteStmt(sqlite3_stmt* s, sqlite3* db) : stmt_(s), db_(db) {}
    ~SqliteStmt();
    SqliteStmt(const SqliteStmt&) = delete;
    SqliteStmt& operator=(const SqliteStmt&) = delete;

    SqliteStmt& Bind(int index, std::int64_t v);
    SqliteStmt& Bind(int index, std::string_view v);
    SqliteStmt& BindNull(int index);
    SqliteStmt& BindOptional(int index, const std::optional<std::string>& v);
    // Text bound as NULL when empty.
    SqliteStmt& BindText(int index, std::string_view v);

    bool Step();  // true while a row is available
    void Run();   // steps to the end
    void Reset();

    bool IsNull(int col) const;
    std::int64_t Int(int col) const;
    double Double(int col) const;
    std::string Text(int col) const;
    bool Bool(int col) const { return Int(col) != 0; }

private:
    void Check(int rc) const;
    sqlite3_stmt* stmt_;
    sqlite3* db_;
};

// One SQLite connection with cached prepared statements. Errors throw DbError. Not
// thread-safe: owned by one worker thread.
class SqliteDb {
public:
    SqliteDb(const std::string& path, bool read_only);
    ~SqliteDb();
    SqliteDb(const SqliteDb&) = delete;
    SqliteDb& operator=(const SqliteDb&) = delete;

    void Exec(const std::string& sql);
    // A cached statement, reset and with its bindings cleared.
    SqliteStmt& Prepare(const std::string& sql);
    std::int64_t Changes() const;

    // The statements of a SqliteTransaction: the write lock is taken at BEGIN, so a busy
    // database fails there rather than halfway through.
    void BeginTransaction() { Exec("BEGIN IMMEDIATE"); }
    void CommitTransaction() { Exec("COMMIT"); }
    void RollbackTransaction() { Exec("ROLLBACK"); }

private:
    sqlite3* db_ = nullptr;
    std::map<std::string, std::unique_ptr<SqliteStmt>> cache_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back unless Commit() ran.
using SqliteTransaction = DbTransaction<SqliteDb>;

// Opens `path` (creating it), applies the missing migrations and refuses a newer schema
// (throws std::runtime_error). Returns the version now in place.
int MigrateSqlite(SqliteDb& db);

}  // namespace ivs::adapters::history
