#pragma once

#include <functional>
#include <memory>
#include <string>

#include "adapters/history/postgres/pg_conn.hpp"
#include "core/error.hpp"
#include "ports/history_store.hpp"

namespace ivs::adapters::history {

// Where history lives: SQLite at `data_dir`/ivs.db, or PostgreSQL with `pg`.
struct HistoryOptions {
    bool postgres = false;
    std::string data_dir = "data";
    PgOptions pg;
};

// The configured history store plus the blocking entry points its event sink uses.
struct HistoryParts {
    std::shared_ptr<ports::HistoryStore> store;
    std::function<Status(const ports::HistoryBatch&)> apply_sync;
    std::function<Result<std::int64_t>(SystemTime, std::string)> close_open_sync;
    std::string description;  // for the start-up log, without secrets
};

// The configured store, migrated. Throws std::runtime_error with
// a clear message when the store cannot be opened or its schema is newer than this binary.
HistoryParts MakeHistory(const HistoryOptions& options);

// `ivs-server migrate`: applies the migrations of the configured store and returns a line
// describing the result. Throws std::runtime_error on failure.
std::string MigrateHistory(const HistoryOptions& options);

}  // namespace ivs::adapters::history
