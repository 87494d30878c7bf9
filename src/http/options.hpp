#pragma once

// The HTTP side's settings, filled from the configuration in app/adapter_options.cpp.

#include <cstddef>
#include <string>
#include <vector>

#include "core/api_key.hpp"

namespace ivs::http {

// API keys and whether authentication is off (development only).
struct AuthOptions {
    std::vector<ApiKey> api_keys;
    bool skip_auth = false;
};

// CORS, rate limiting and proxy headers.
struct PipelineOptions {
    std::vector<std::string> cors_origins;
    int rate_limit_window_ms = 0;
    int rate_limit_max_requests = 0;
    bool trust_proxy = false;
};

// Connection limits and deadlines of the listener.
struct ServerOptions {
    std::size_t max_body_bytes = 0;
    std::size_t max_header_bytes = 0;
    int request_timeout_seconds = 0;
    int keepalive_timeout_seconds = 0;
    int max_connections = 0;  // 0: derived from the descriptor limit
};

// What GET / and the health answers report about the deployment.
struct SystemOptions {
    std::string node_env;
    std::string aws_region;
    bool master_stage_configured = false;  // MASTER_STAGE_ARN set
};

// What the dashboard page is told (GET /dashboard/config.json).
struct DashboardOptions {
    bool development = false;  // NODE_ENV=development: the page asks for no key
    int stage_capacity = 0;
    int drain_timeout_seconds = 0;
};

}  // namespace ivs::http
