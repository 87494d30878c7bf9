#include "adapters/history/history_factory.hpp"

#include <filesystem>

#include "adapters/history/migrations.hpp"
#include "adapters/history/postgres/pg_history_store.hpp"
#include "adapters/history/sqlite/sqlite_history_store.hpp"

namespace ivs::adapters::history {

namespace {
std::string SqlitePath(const HistoryOptions& options) {
    return (std::filesystem::path(options.data_dir) / "ivs.db").string();
}
}  // namespace

HistoryParts MakeHistory(const HistoryOptions& history) {
    HistoryParts parts;
    if (history.postgres) {
        const PgOptions& options = history.pg;
        auto store = std::make_shared<PgHistoryStore>(options, std::chrono::seconds(10));
        parts.store = store;
        parts.apply_sync = [store](const ports::HistoryBatch& b) { return store->ApplySync(b); };
        parts.close_open_sync = [store](SystemTime t, std::string reason) {
            return store->CloseOpenSessionsSync(t, std::move(reason));
        };
        parts.description = "postgres " + options.host + ":" + std::to_string(options.port) +
                            "/" + options.dbname + (options.ssl ? " (TLS)" : "") + ", pool " +
                            std::to_string(options.pool_size);
        return parts;
    }
    std::filesystem::create_directories(history.data_dir);
    auto store = std::make_shared<SqliteHistoryStore>(SqliteStoreOptions{SqlitePath(history)});
    parts.store = store;
    parts.apply_sync = [store](const ports::HistoryBatch& b) { return store->ApplySync(b); };
    parts.close_open_sync = [store](SystemTime t, std::string reason) {
        return store->CloseOpenSessionsSync(t, std::move(reason));
    };
    parts.description = "sqlite " + SqlitePath(history);
    return parts;
}

std::string MigrateHistory(const HistoryOptions& history) {
    if (history.postgres) {
        try {
            int v = MigratePostgresOnce(history.pg);
            return "postgres " + history.pg.host + ":" + std::to_string(history.pg.port) + "/" +
                   history.pg.dbname + ": schema version " + std::to_string(v);
        } catch (const std::runtime_error& e) {
            throw std::runtime_error(std::string("migration failed: ") + e.what());
        }
    }
    std::filesystem::create_directories(history.data_dir);
    SqliteDb db(SqlitePath(history), false);
    int v = MigrateSqlite(db);
    return "sqlite " + SqlitePath(history) + ": schema version " + std::to_string(v);
}

}  // namespace ivs::adapters::history
