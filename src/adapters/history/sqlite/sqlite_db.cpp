#include "adapters/history/sqlite/sqlite_db.hpp"

#include <sqlite3.h>

#include <stdexcept>

#include "adapters/history/migrations.hpp"
#include "adapters/history/store_common.hpp"

namespace ivs::adapters::history {

namespace {

Errc CodeFor(int rc) {
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_IOERR:
        case SQLITE_FULL:
        case SQLITE_CANTOPEN:
        case SQLITE_READONLY:
            return Errc::unavailable;
        default:
            return Errc::internal;
    }
}

[[noreturn]] void Throw(sqlite3* db, int rc, std::string_view what) {
    std::string msg(what);
    msg += ": ";
    msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw DbError(CodeFor(rc), msg);
}

}  // namespace

SqliteStmt::~SqliteStmt() { sqlite3_finalize(stmt_); }

void SqliteStmt::Check(int rc) const {
    if (rc != SQLITE_OK) Throw(db_, rc, "sqlite bind");
}

SqliteStmt& SqliteStmt::Bind(int index, std::int64_t v) {
    Check(sqlite3_bind_int64(stmt_, index, v));
    return *this;
}

SqliteStmt& SqliteStmt::Bind(int index, std::string_view v) {
    Check(sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
}

SqliteStmt& SqliteStmt::BindNull(int index) {
    Check(sqlite3_bind_null(stmt_, index));
    return *this;
}

SqliteStmt& SqliteStmt::BindOptional(int index, const std::optional<std::string>& v) {
    return v ? Bind(index, std::string_view(*v)) : BindNull(index);
}

SqliteStmt& SqliteStmt::BindText(int index, std::string_view v) {
    return v.empty() ? BindNull(index) : Bind(index, v);
}

bool SqliteStmt::Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Throw(db_, rc, "sqlite step");
}

void SqliteStmt::Run() {
    while (Step()) {
    }
}

void SqliteStmt::Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool SqliteStmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::int64_t SqliteStmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
double SqliteStmt::Double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string SqliteStmt::Text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : "";
}

SqliteDb::SqliteDb(const std::string& path, bool read_only) {
    int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = "cannot open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : "?");
        sqlite3_close(db_);
        db_ = nullptr;
        throw DbError(Errc::unavailable, msg);
    }
    sqlite3_busy_timeout(db_, 5000);
    if (!read_only) {
        Exec("PRAGMA journal_mode=WAL");
        Exec("PRAGMA synchronous=NORMAL");
    }
    Exec("PRAGMA foreign_keys=ON");
}

SqliteDb::~SqliteDb() {
    cache_.clear();
    if (db_) sqlite3_close(db_);
}

void SqliteDb::Exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw DbError(CodeFor(rc), "sqlite: " + msg);
    }
}

SqliteStmt& SqliteDb::Prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
        it->second->Reset();
        return *it->second;
    }
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) Throw(db_, rc, "sqlite prepare");
    auto& slot = cache_[sql];
    slot = std::make_unique<SqliteStmt>(stmt, db_);
    return *slot;
}

std::int64_t SqliteDb::Changes() const { return sqlite3_changes(db_); }

int MigrateSqlite(SqliteDb& db) {
    db.Exec(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT "
        "NULL, applied_at INTEGER NOT NULL)");
    SqliteTransaction tx(db);
    auto& q = db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    int current = q.Step() ? static_cast<int>(q.Int(0)) : 0;
    q.Reset();
    if (current > LatestSchemaVersion()) throw std::runtime_error(NewerSchemaMessage(current));
    for (const auto& m : SqliteMigrations()) {
        if (m.version <= current) continue;
        db.Exec(m.sql);
        db.Prepare(
              "INSERT INTO schema_version (version, name, applied_at) VALUES "
              "(?1, ?2, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))")
            .Bind(1, std::int64_t{m.version})
            .Bind(2, std::string_view(m.name))
            .Run();
        current = m.version;
    }
    tx.Commit();
    return current;
}

}  // namespace ivs::adapters::history
