#pragma once

#include <string>

namespace ivs {

// Access levels of API keys, lowest first.
enum class Scope { read = 1, app = 2, admin = 3 };

struct ApiKey {
    std::string name;
    Scope scope = Scope::admin;
    std::string secret;
    int rate_limit = 0;  // per-window limit for this key; 0 = RATE_LIMIT_MAX_REQUESTS
};

}  // namespace ivs
