#include "adapters/history/history_factory.hpp"

#include <filesystem>

#include "adapters/history/migrations.hpp"
#include "adapters/history/postgres/pg_history_store.hpp"
#include "adapters/history/sqlite/sqlite_history_store.hpp"

namespace ivs::adapters::history {

namespace {
std::string SqlitePath(const Config& config) {
    return (std::filesystem::path(config.data_dir) / "ivs.db").string();
}
}  // namespace

PgOptions PgOptionsFromConfig(const Config& config) {
    PgOptions o;
    o.host = config.db_host;
    o.port = config.db_port;
    o.dbname = config.db_name;
    o.user = config.db_user;
    o.password = config.db_password;
    o.ssl = config.db_ssl;
    o.pool_size = config.db_pool_max;
    return o;
}

HistoryParts MakeHistory(const Config& config) {
    HistoryParts parts;
    if (config.cold_store == ColdStoreKind::postgres) {
        auto options = PgOptionsFromConfig(config);
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
    std::filesystem::create_directories(config.data_dir);
    auto store = std::make_shared<SqliteHistoryStore>(SqliteStoreOptions{SqlitePath(config)});
    parts.store = store;
    parts.apply_sync = [store](const ports::HistoryBatch& b) { return store->ApplySync(b); };
    parts.close_open_sync = [store](SystemTime t, std::string reason) {
        return store->CloseOpenSessionsSync(t, std::move(reason));
    };
    parts.description = "sqlite " + SqlitePath(config);
    return parts;
}

std::string MigrateHistory(const Config& config) {
    if (config.cold_store == ColdStoreKind::postgres) {
        try {
            int v = MigratePostgresOnce(PgOptionsFromConfig(config));
            return "postgres " + config.db_host + ":" + std::to_string(config.db_port) + "/" +
                   config.db_name + ": schema version " + std::to_string(v);
        } catch (const std::runtime_error& e) {
            throw std::runtime_error(std::string("migration failed: ") + e.what());
        }
    }
    std::filesystem::create_directories(config.data_dir);
    SqliteDb db(SqlitePath(config), false);
    int v = MigrateSqlite(db);
    return "sqlite " + SqlitePath(config) + ": schema version " + std::to_string(v);
}

}  // namespace ivs::adapters::history
