#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/api_key.hpp"

namespace ivs {

enum class HotStoreKind { memory, redis };
enum class ColdStoreKind { sqlite, postgres };
enum class IvsBackendKind { local, aws };
enum class TokenSigningKind { self, api };
enum class TokenSigningLibrary { nettle, openssl };
enum class FanoutMode { replication, mediaserver };

// Typed configuration, read once at start from the environment and an optional .env file
// (variables already in the environment win). Immutable after loading; safe to share.
struct Config {
    // Server
    std::string node_env = "production";
    std::string api_host = "0.0.0.0";
    int api_port = 3000;
    int io_threads = 0;  // resolved to the core count when 0
    int io_spin_microseconds = 50;  // how long an I/O thread looks for work before sleeping
    std::size_t max_body_bytes = 64 * 1024;
    std::size_t max_header_bytes = 16 * 1024;
    int request_timeout_seconds = 30;
    int keepalive_timeout_seconds = 75;
    int max_connections = 0;  // 0: derived from the descriptor limit (RLIMIT_NOFILE)
    int shutdown_grace_seconds = 30;
    std::string log_level = "info";
    bool log_json = false;
    std::vector<std::string> cors_origins;
    std::string data_dir = "./data";
    std::string instance_id;
    std::string deployment_id = "default";
    int metrics_port = 0;
    bool metrics_on_api_port = true;

    // Authentication and rate limits
    std::string api_secret_key;
    std::vector<ApiKey> api_keys;  // API_SECRET_KEY is included here as key "default"
    bool skip_auth = false;        // effective value (NODE_ENV=development and SKIP_AUTH=true)
    bool skip_auth_requested = false;
    std::string internal_secret;
    std::string session_secret;
    int rate_limit_window_ms = 60000;
    int rate_limit_max_requests = 100;
    bool trust_proxy = false;

    // Modes and the reasons they were chosen
    HotStoreKind hot_store = HotStoreKind::memory;
    ColdStoreKind cold_store = ColdStoreKind::sqlite;
    IvsBackendKind ivs_backend = IvsBackendKind::local;
    std::string hot_store_reason, cold_store_reason, ivs_backend_reason;

    // Redis
    std::string redis_host;
    int redis_port = 6379;
    std::string redis_password;
    int redis_db = 0;
    bool redis_tls = false;
    std::string redis_tls_ca_file;
    std::string redis_key_prefix = "ivs:prod:";
    int redis_command_timeout_ms = 2000;
    int redis_connections = 2;

    // PostgreSQL
    std::string db_host;
    int db_port = 5432;
    std::string db_name = "ivs_live";
    std::string db_user = "postgres";
    std::string db_password;
    int db_pool_max = 20;
    int db_pool_min = 2;
    bool db_ssl = false;

    // AWS and IVS
    std::string aws_region = "us-east-1";
    std::string aws_account_id;
    std::string master_stage_arn;
    std::string ivs_endpoint;
    double ivs_stage_tps = 5;
    double ivs_token_tps = 50;
    int ivs_max_retries = 4;
    int ivs_timeout_ms = 5000;
    int ivs_emulator_max_stages = 1000;
    std::string ivs_emulator_access_key_id = "test";
    std::string ivs_emulator_secret_access_key = "test";
    TokenSigningKind token_signing = TokenSigningKind::self;
    TokenSigningLibrary token_signing_library = TokenSigningLibrary::nettle;
    std::string ivs_token_private_key_file;
    std::string ivs_public_key_arn;
    int publisher_token_ttl_minutes = 240;
    int viewer_token_ttl_minutes = 60;
    int mediaserver_token_ttl_minutes = 240;

    // Audience and autoscaling
    int stage_capacity = 50;
    int scale_up_threshold = 45;
    int scale_down_threshold = 5;
    int max_stages = 20;
    int spare_stages = 1;
    int stage_warmup_seconds = 300;
    int drain_timeout_seconds = 300;
    int autoscale_interval_seconds = 5;
    bool autoscale_enabled = true;
    int seat_wait_seconds = 10;
    std::string stage_name_prefix = "ivs-stage";
    int heartbeat_interval_seconds = 30;
    int heartbeat_timeout_seconds = 60;
    int heartbeat_checkpoint_seconds = 60;
    FanoutMode fanout_mode = FanoutMode::replication;
    int publisher_poll_seconds = 30;
    bool require_live_publisher = true;

    // History
    int snapshot_interval_seconds = 300;
    int retention_days = 90;
    int session_retention_days = 0;  // 0 keeps sessions forever

    // Scale-out
    int leader_lease_seconds = 10;

    // CloudWatch
    bool cloudwatch_enabled = false;
    std::string cloudwatch_namespace = "IVS/Production";
    int cloudwatch_interval_seconds = 60;
    std::string cloudwatch_endpoint;

    // WebSocket
    int ws_max_connections = 20000;
    int ws_queue_limit = 64;
    int ws_ping_seconds = 20;

    int ResolvedIoThreads() const;
    bool IsDevelopment() const { return node_env == "development"; }
};

// One documented variable, as listed by `ivs-server --help`.
struct ConfigVar {
    std::string name;
    std::string default_text;
    std::string help;
    bool secret = false;
    std::string section;  // --help heading, e.g. "Redis (scale-out)"
};

struct ConfigLoadResult {
    Config config;
    std::vector<std::string> errors;    // each names the variable at fault
    std::vector<std::string> warnings;  // logged at start
};

using Environment = std::map<std::string, std::string>;

// Reads the process environment, merged over `dotenv_path` when it exists.
Environment ReadEnvironment(const std::string& dotenv_path = ".env");
// Parses KEY=VALUE lines (comments, blank lines, optional quotes, optional `export`).
Environment ParseDotEnv(const std::string& text);

// Builds and validates the configuration. Never throws; problems are listed in `errors`.
ConfigLoadResult LoadConfig(const Environment& env);

// Every variable with its default and meaning, in a stable order.
std::vector<ConfigVar> DescribeConfig();

// The multi-line text printed by `--help`.
std::string ConfigHelpText();

}  // namespace ivs
