#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace ivs {

// One dependency `check-config` tried: what, where (no secrets), and how it went.
struct ProbeOutcome {
    std::string name;    // "hot store", "history store", "IVS"
    std::string target;  // "redis 10.0.0.5:6379", "postgres db:5432/ivs_live", ...
    bool ok = false;
    std::string detail;  // "PONG in 3 ms", "connection refused", ...
};

// Connects to every dependency the configuration names (Redis: PING; PostgreSQL: SELECT 1;
// the IVS endpoint: a TCP connection), each within `deadline`. The embedded parts (memory,
// SQLite under DATA_DIR, the in-process emulator) are checked locally. Blocks the caller.
std::vector<ProbeOutcome> ProbeDependencies(const Config& config,
                                            std::chrono::milliseconds deadline);

}  // namespace ivs
