#pragma once

#include <string>
#include <vector>

namespace ivs::adapters::history {

// One schema step. Versions start at 1 and have no gaps; a step runs in one transaction and is
// recorded in `schema_version`.
struct Migration {
    int version;
    std::string name;
    std::string sql;
};

const std::vector<Migration>& SqliteMigrations();
const std::vector<Migration>& PostgresMigrations();

// The newest version this binary knows.
int LatestSchemaVersion();

// The message for a database written by a newer binary (start-up refuses it).
std::string NewerSchemaMessage(int found);

}  // namespace ivs::adapters::history
