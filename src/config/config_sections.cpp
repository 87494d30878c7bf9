#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_reader.hpp"

namespace ivs::config_detail {
namespace {

std::optional<Scope> ParseScope(std::string_view s) {
    if (s == "admin") return Scope::admin;
    if (s == "app") return Scope::app;
    if (s == "read") return Scope::read;
    return std::nullopt;
}

void ReadApiKeys(Reader& r, Config& c) {
    c.api_secret_key =
        r.String("API_SECRET_KEY", "",
                 "Admin API key accepted in the x-api-key header (seed-compatible)", true);
    std::string keys = r.String(
        "API_KEYS", "",
        "More API keys: name:scope:secret[:limit],... with scope admin, app or read; limit is "
        "this key's requests per rate-limit window",
        true);
    if (!c.api_secret_key.empty())
        c.api_keys.push_back({"default", Scope::admin, c.api_secret_key, 0});
    for (const auto& entry : SplitList(keys)) {
        auto parts = SplitList(entry, ':');
        if (parts.size() < 3 || parts.size() > 4) {
            r.Error("API_KEYS entries must be name:scope:secret[:limit]");
            continue;
        }
        auto scope = ParseScope(parts[1]);
        if (!scope) {
            r.Error("API_KEYS entry \"" + parts[0] + "\" has unknown scope \"" + parts[1] +
                    "\" (admin, app or read)");
            continue;
        }
        int limit = 0;
        if (parts.size() == 4) {
            auto res = std::from_chars(parts[3].data(), parts[3].data() + parts[3].size(), limit);
            if (res.ec != std::errc() || limit <= 0) {
                r.Error("API_KEYS entry \"" + parts[0] + "\" has an invalid limit");
                continue;
            }
        }
        if (parts[2].size() < 8) {
            r.Error("API_KEYS entry \"" + parts[0] + "\" has a secret shorter than 8 characters");
            continue;
        }
        c.api_keys.push_back({parts[0], *scope, parts[2], limit});
    }
}

}  // namespace

void ReadServer(Reader& r, Config& c) {
    r.Section("Server");
    c.node_env =
        r.String("NODE_ENV", "production",
                 "Environment name; \"development\" allows SKIP_AUTH and an open dashboard");
    c.api_host = r.String("API_HOST", "0.0.0.0", "Address the HTTP server binds to");
    c.api_port = r.Int("API_PORT", 3000, 0, 65535, "HTTP port (0 picks a free port)");
    c.io_threads = r.Int("IO_THREADS", 0, 0, 256,
                         "I/O threads, each serving a share of the connections; 0 means one per core");
    c.io_spin_microseconds =
        r.Int("IO_SPIN_MICROSECONDS", 50, 0, 10000,
              "How long a busy I/O thread with nothing to do looks for work (yielding the core) "
              "before it sleeps: saves waking a halted core per request; 0 sleeps at once");
    c.max_body_bytes = static_cast<std::size_t>(
        r.Int("MAX_BODY_BYTES", 65536, 1024, 64 * 1024 * 1024,
              "Largest accepted request body in bytes; larger bodies get 413"));
    c.max_header_bytes = static_cast<std::size_t>(r.Int(
        "MAX_HEADER_BYTES", 16384, 1024, 1024 * 1024, "Largest accepted request header block"));
    c.request_timeout_seconds = r.Int("REQUEST_TIMEOUT_SECONDS", 30, 1, 3600,
                                      "Deadline for reading a request and writing its response");
    c.keepalive_timeout_seconds = r.Int("KEEPALIVE_TIMEOUT_SECONDS", 75, 1, 3600,
                                        "Idle keep-alive connections are closed after this");
    c.max_connections = r.Int("MAX_CONNECTIONS", 0, 0, 1000000,
                              "Open HTTP connections allowed; more get 503 (0: derived from the "
                              "descriptor limit, 7/8 of ulimit -n)");
    c.shutdown_grace_seconds = r.Int("SHUTDOWN_GRACE_SECONDS", 30, 0, 3600,
                                     "Time allowed for in-flight work after SIGTERM");
    c.log_level =
        r.Choice("LOG_LEVEL", "info", {"trace", "debug", "info", "warn", "error"}, "Log level");
    c.log_json = r.Choice("LOG_FORMAT", "text", {"text", "json"}, "Log line format") == "json";
    c.cors_origins = SplitList(r.String("CORS_ORIGINS", "http://localhost:3000",
                                        "Comma-separated origins allowed by CORS and /ws"));
    c.data_dir = r.String("DATA_DIR", "./data",
                          "Directory for the SQLite database, generated keys and secrets");
    c.instance_id = r.String("INSTANCE_ID", "", "Name of this instance (default: generated)");
    c.deployment_id = r.String("DEPLOYMENT_ID", "default",
                               "Tag value marking the IVS stages this deployment manages");
    c.metrics_port =
        r.Int("METRICS_PORT", 0, 0, 65535, "Serve /metrics on this port too (0: only on API_PORT)");
    c.metrics_on_api_port = r.Bool("METRICS_ON_API_PORT", true,
                                   "Serve /metrics on API_PORT as well; false with METRICS_PORT "
                                   "keeps it off the public listener");
}

void ReadAuth(Reader& r, Config& c) {
    r.Section("Authentication and rate limits");
    ReadApiKeys(r, c);
    c.skip_auth_requested = r.Bool(
        "SKIP_AUTH", false, "Disable API-key checks; honoured only with NODE_ENV=development");
    c.skip_auth = c.skip_auth_requested && c.IsDevelopment();
    if (c.skip_auth_requested && !c.skip_auth) {
        r.Warn("SKIP_AUTH=true is ignored because NODE_ENV is not \"development\"");
    }
    c.internal_secret = r.String("INTERNAL_SECRET", "",
                                 "Secret for x-internal-secret on /api/token/mediaserver (unset: "
                                 "that endpoint always answers 403)",
                                 true);
    c.session_secret = r.String("SESSION_SECRET", "",
                                "HMAC key for viewer session tokens; shared by all instances "
                                "(when unset: generated once and shared in Redis, or kept in "
                                "DATA_DIR in embedded mode)",
                                true);
    c.rate_limit_window_ms =
        r.Int("RATE_LIMIT_WINDOW_MS", 60000, 1000, 86400000, "Rate-limit window in milliseconds");
    c.rate_limit_max_requests = r.Int("RATE_LIMIT_MAX_REQUESTS", 100, 1, 100000000,
                                      "Requests allowed per caller per window");
    c.trust_proxy = r.Bool("TRUST_PROXY", false,
                           "Take the client address from X-Forwarded-For (behind a load balancer)");
}

void ReadRedis(Reader& r, Config& c) {
    r.Section("Redis (scale-out)");
    c.redis_host = r.String("REDIS_HOST", "", "Redis host; setting it selects the Redis hot store");
    c.redis_port = r.Int("REDIS_PORT", 6379, 1, 65535, "Redis port");
    c.redis_password = r.String("REDIS_PASSWORD", "", "Redis AUTH password", true);
    c.redis_db = r.Int("REDIS_DB", 0, 0, 1024, "Redis database number");
    c.redis_tls = r.Bool("REDIS_TLS_ENABLED", false, "Connect to Redis over TLS");
    c.redis_tls_ca_file = r.String("REDIS_TLS_CA_FILE", "",
                                   "CA certificates (PEM) that sign Redis's certificate; the "
                                   "system store when empty");
    c.redis_key_prefix = r.String("REDIS_KEY_PREFIX", "ivs:prod:", "Prefix of every Redis key");
    c.redis_command_timeout_ms =
        r.Int("REDIS_COMMAND_TIMEOUT_MS", 2000, 10, 60000, "Deadline of one Redis command");
    c.redis_connections =
        r.Int("REDIS_CONNECTIONS", 2, 1, 64,
              "Pipelined Redis connections per instance, shared by all requests; each further "
              "I/O thread (IO_THREADS) adds one of its own for heartbeats");
}

void ReadPostgres(Reader& r, Config& c) {
    r.Section("PostgreSQL (history)");
    c.db_host = r.String("DB_HOST", "", "PostgreSQL host; setting it selects the PostgreSQL store");
    c.db_port = r.Int("DB_PORT", 5432, 1, 65535, "PostgreSQL port");
    c.db_name = r.String("DB_NAME", "ivs_live", "PostgreSQL database");
    c.db_user = r.String("DB_USER", "postgres", "PostgreSQL user");
    c.db_password = r.String("DB_PASSWORD", "", "PostgreSQL password", true);
    c.db_pool_max = r.Int("DB_POOL_MAX", 20, 1, 1000, "PostgreSQL connection pool size");
    c.db_pool_min = r.Int("DB_POOL_MIN", 2, 0, 1000, "PostgreSQL connections opened at start");
    c.db_ssl = r.Bool("DB_SSL_ENABLED", false, "Connect to PostgreSQL over TLS");
}

std::string ReadAwsIvs(Reader& r, Config& c) {
    r.Section("AWS and IVS");
    c.aws_region = r.String("AWS_REGION", "us-east-1", "AWS region of IVS and CloudWatch");
    c.aws_account_id =
        r.String("AWS_ACCOUNT_ID", "", "Account id used to build ARNs from short stage ids");
    c.master_stage_arn =
        r.String("MASTER_STAGE_ARN", "", "Stage the publisher joins; setting it selects AWS IVS");
    c.ivs_endpoint = r.String(
        "IVS_ENDPOINT", "", "IVS endpoint URL override (http allowed), e.g. a standalone emulator");
    c.ivs_stage_tps = r.Double("IVS_STAGE_TPS", 5, 0.1, 10000,
                               "Client-side limit for IVS stage operations per second");
    c.ivs_token_tps = r.Double("IVS_TOKEN_TPS", 50, 0.1, 10000,
                               "Client-side limit for CreateParticipantToken per second");
    c.ivs_max_retries =
        r.Int("IVS_MAX_RETRIES", 4, 0, 20, "Retries of throttled or failed IVS calls");
    c.ivs_timeout_ms = r.Int("IVS_TIMEOUT_MS", 5000, 100, 120000, "Deadline of one IVS call");
    c.ivs_emulator_max_stages =
        r.Int("IVS_EMULATOR_MAX_STAGES", 1000, 1, 1000000, "Stage quota of the built-in emulator");
    c.ivs_emulator_access_key_id = r.String("IVS_EMULATOR_ACCESS_KEY_ID", "test",
                                            "Access key the standalone emulator accepts");
    c.ivs_emulator_secret_access_key = r.String("IVS_EMULATOR_SECRET_ACCESS_KEY", "test",
                                                "Secret key the standalone emulator accepts", true);
    std::string signing = r.Choice("TOKEN_SIGNING", "", {"self", "api"},
                                   "How participant tokens are made: self-signed ES384 or "
                                   "CreateParticipantToken (default: self when a key is "
                                   "configured or in embedded mode, else api)");
    c.token_signing_library =
        r.Choice(
            "TOKEN_SIGNING_LIBRARY", "nettle", {"nettle", "openssl"},
            "Library computing self-signed ES384 signatures (same tokens; nettle is faster)") ==
                "openssl"
            ? TokenSigningLibrary::openssl
            : TokenSigningLibrary::nettle;
    c.ivs_token_private_key_file = r.String("IVS_TOKEN_PRIVATE_KEY_FILE", "",
                                            "P-384 private key (PEM) for self-signed tokens");
    c.ivs_public_key_arn = r.String("IVS_PUBLIC_KEY_ARN", "",
                                    "ARN of the imported public key matching that private key");
    c.publisher_token_ttl_minutes =
        r.Int("PUBLISHER_TOKEN_TTL_MINUTES", 240, 1, 20160, "Publisher token lifetime in minutes");
    c.viewer_token_ttl_minutes =
        r.Int("VIEWER_TOKEN_TTL_MINUTES", 60, 1, 20160, "Viewer token lifetime in minutes");
    c.mediaserver_token_ttl_minutes = r.Int("MEDIASERVER_TOKEN_TTL_MINUTES", 240, 1, 20160,
                                            "Media-server token lifetime in minutes");
    return signing;
}

void ReadAudience(Reader& r, Config& c) {
    r.Section("Audience and autoscaling");
    c.stage_capacity = r.Int("STAGE_CAPACITY", 50, 1, 10000, "Most viewers seated in one stage");
    c.scale_up_threshold = r.Int("SCALE_UP_THRESHOLD", 45, 1, 10000,
                                 "Viewers per stage at which new viewers prefer other stages "
                                 "and the autoscaler adds one");
    c.scale_down_threshold = r.Int("SCALE_DOWN_THRESHOLD", 5, 0, 10000,
                                   "A stage with at most this many viewers may be drained");
    c.max_stages = r.Int("MAX_STAGES", 20, 1, 1000, "Most managed stages, master included");
    c.spare_stages = r.Int("SPARE_STAGES", 1, 0, 100, "Empty stages kept ready ahead of demand");
    c.stage_warmup_seconds =
        r.Int("STAGE_WARMUP_SECONDS", 300, 0, 86400, "A stage younger than this is never drained");
    c.drain_timeout_seconds = r.Int("DRAIN_TIMEOUT_SECONDS", 300, 0, 86400,
                                    "A draining stage is deleted after this even if not empty");
    c.autoscale_interval_seconds =
        r.Int("AUTOSCALE_INTERVAL_SECONDS", 5, 1, 3600, "Autoscaler tick period");
    c.autoscale_enabled = r.Bool("AUTO_SCALE_ENABLED", true, "Run the autoscaler");
    c.seat_wait_seconds =
        r.Int("SEAT_WAIT_SECONDS", 10, 0, 120, "How long a join waits for a stage being created");
    c.stage_name_prefix =
        r.String("STAGE_NAME_PREFIX", "ivs-stage", "Name prefix of the stages the server creates");
    c.heartbeat_interval_seconds =
        r.Int("HEARTBEAT_INTERVAL_SECONDS", 30, 1, 3600, "Heartbeat period told to clients");
    c.heartbeat_timeout_seconds =
        r.Int("HEARTBEAT_TIMEOUT_SECONDS", 60, 1, 86400, "A viewer silent this long is removed");
    c.heartbeat_checkpoint_seconds =
        r.Int("HEARTBEAT_CHECKPOINT_SECONDS", 60, 1, 3600,
              "How often live sessions' last heartbeats are recorded in the history store (a "
              "crash closes their rows at that time)");
    c.fanout_mode = r.Choice("FANOUT_MODE", "replication", {"replication", "mediaserver"},
                             "How video reaches fan-out stages") == "mediaserver"
                        ? FanoutMode::mediaserver
                        : FanoutMode::replication;
    c.publisher_poll_seconds =
        r.Int("PUBLISHER_POLL_SECONDS", 30, 1, 3600, "Period of the master-stage publisher poll");
    c.require_live_publisher = r.Bool("REQUIRE_LIVE_PUBLISHER", true,
                                      "Refuse viewer tokens (404) while no publisher is live");
}

void ReadOperations(Reader& r, Config& c) {
    r.Section("History");
    c.snapshot_interval_seconds = r.Int("SNAPSHOT_INTERVAL_SECONDS", 300, 1, 86400,
                                        "Period of per-stage viewer-count snapshots");
    c.retention_days = r.Int("RETENTION_DAYS", 90, 1, 36500, "Days snapshots are kept");
    c.session_retention_days =
        r.Int("SESSION_RETENTION_DAYS", 0, 0, 36500, "Days viewing sessions are kept (0: forever)");

    r.Section("Scale-out");
    c.leader_lease_seconds = r.Int("LEADER_LEASE_SECONDS", 10, 2, 3600,
                                   "Leader lease; another instance takes over after this");

    r.Section("CloudWatch");
    c.cloudwatch_enabled = r.Bool("CLOUDWATCH_ENABLED", false, "Publish metrics to CloudWatch");
    c.cloudwatch_namespace =
        r.String("CLOUDWATCH_NAMESPACE", "IVS/Production", "CloudWatch namespace");
    c.cloudwatch_interval_seconds =
        r.Int("CLOUDWATCH_INTERVAL_SECONDS", 60, 1, 3600, "Period of PutMetricData");
    c.cloudwatch_endpoint = r.String("CLOUDWATCH_ENDPOINT", "", "CloudWatch endpoint URL override");

    r.Section("WebSocket");
    c.ws_max_connections =
        r.Int("WS_MAX_CONNECTIONS", 20000, 1, 1000000, "Most WebSocket connections per instance");
    c.ws_queue_limit = r.Int("WS_QUEUE_LIMIT", 64, 1, 100000,
                             "Messages queued for one WebSocket before it is dropped as slow");
    c.ws_ping_seconds = r.Int("WS_PING_SECONDS", 20, 1, 3600, "WebSocket ping period");

    r.Section("AWS credentials");
    // Documented here so --help lists them; read by the AWS credentials chain.
    r.String("AWS_ACCESS_KEY_ID", "", "AWS access key (credentials chain: environment first)",
             true);
    r.String("AWS_SECRET_ACCESS_KEY", "", "AWS secret key", true);
    r.String("AWS_SESSION_TOKEN", "", "AWS session token for temporary credentials", true);
    r.String("AWS_PROFILE", "default", "Profile in the shared credentials/config files");
}

}  // namespace ivs::config_detail
