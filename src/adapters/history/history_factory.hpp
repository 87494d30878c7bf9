#pragma once

#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "core/error.hpp"
#include "ports/history_store.hpp"

namespace ivs::adapters::history {

struct PgOptions;

// The configured history store plus the blocking entry points its event sink uses.
struct HistoryParts {
    std::shared_ptr<ports::HistoryStore> store;
    std::function<Status(const ports::HistoryBatch&)> apply_sync;
    std::function<Result<std::int64_t>(SystemTime, std::string)> close_open_sync;
    std::string description;  // for the start-up log, without secrets
};

PgOptions PgOptionsFromConfig(const Config& config);

// SQLite at DATA_DIR/ivs.db or PostgreSQL from DB_*, migrated. Throws std::runtime_error with
// a clear message when the store cannot be opened or its schema is newer than this binary.
HistoryParts MakeHistory(const Config& config);

// `ivs-server migrate`: applies the migrations of the configured store and returns a line
// describing the result. Throws std::runtime_error on failure.
std::string MigrateHistory(const Config& config);

}  // namespace ivs::adapters::history
