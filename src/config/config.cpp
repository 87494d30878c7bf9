#include "config/config.hpp"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace ivs {
namespace {

std::string Trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
    return std::string(s.substr(b, e - b));
}

std::vector<std::string> SplitList(std::string_view s, char sep = ',') {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find(sep, start);
        if (end == std::string_view::npos) end = s.size();
        std::string item = Trim(s.substr(start, end - start));
        if (!item.empty()) out.push_back(std::move(item));
        start = end + 1;
    }
    return out;
}

// Reads variables and, at the same time, records their documentation, so `--help` and the parser
// can never disagree.
class Reader {
public:
    explicit Reader(const Environment& env) : env_(env) {}

    std::optional<std::string> Raw(const std::string& name) const {
        auto it = env_.find(name);
        if (it == env_.end()) return std::nullopt;
        return it->second;
    }
    bool Has(const std::string& name) const {
        auto v = Raw(name);
        return v && !Trim(*v).empty();
    }

    std::string String(const std::string& name, const std::string& def, const std::string& help,
                       bool secret = false) {
        Document(name, def.empty() ? "(unset)" : def, help, secret);
        auto v = Raw(name);
        return v ? Trim(*v) : def;
    }

    int Int(const std::string& name, int def, int min, int max, const std::string& help) {
        Document(name, std::to_string(def), help);
        auto v = Raw(name);
        if (!v || Trim(*v).empty()) return def;
        std::string s = Trim(*v);
        long long out = 0;
        auto r = std::from_chars(s.data(), s.data() + s.size(), out);
        if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
            errors_.push_back(name + " must be an integer, got \"" + s + "\"");
            return def;
        }
        if (out < min || out > max) {
            errors_.push_back(name + " must be between " + std::to_string(min) + " and " +
                              std::to_string(max) + ", got " + s);
            return def;
        }
        return static_cast<int>(out);
    }

    double Double(const std::string& name, double def, double min, double max,
                  const std::string& help) {
        std::ostringstream d;
        d << def;
        Document(name, d.str(), help);
        auto v = Raw(name);
        if (!v || Trim(*v).empty()) return def;
        std::string s = Trim(*v);
        char* end = nullptr;
        double out = std::strtod(s.c_str(), &end);
        if (end != s.c_str() + s.size()) {
            errors_.push_back(name + " must be a number, got \"" + s + "\"");
            return def;
        }
        if (out < min || out > max) {
            std::ostringstream m;
            m << name << " must be between " << min << " and " << max << ", got " << s;
            errors_.push_back(m.str());
            return def;
        }
        return out;
    }

    bool Bool(const std::string& name, bool def, const std::string& help) {
        Document(name, def ? "true" : "false", help);
        auto v = Raw(name);
        if (!v || Trim(*v).empty()) return def;
        std::string s = Trim(*v);
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (s == "true" || s == "1" || s == "yes" || s == "on") return true;
        if (s == "false" || s == "0" || s == "no" || s == "off") return false;
        errors_.push_back(name + " must be true or false, got \"" + Trim(*v) + "\"");
        return def;
    }

    std::string Choice(const std::string& name, const std::string& def,
                       const std::vector<std::string>& choices, const std::string& help) {
        std::string all;
        for (const auto& c : choices) all += (all.empty() ? "" : "|") + c;
        Document(name, def.empty() ? "(auto)" : def, help + " (" + all + ")");
        auto v = Raw(name);
        if (!v || Trim(*v).empty()) return def;
        std::string s = Trim(*v);
        for (const auto& c : choices) {
            if (s == c) return s;
        }
        errors_.push_back(name + " must be one of " + all + ", got \"" + s + "\"");
        return def;
    }

    void Error(std::string message) { errors_.push_back(std::move(message)); }
    void Warn(std::string message) { warnings_.push_back(std::move(message)); }

    std::vector<std::string> TakeErrors() { return std::move(errors_); }
    std::vector<std::string> TakeWarnings() { return std::move(warnings_); }
    std::vector<ConfigVar> TakeVars() { return std::move(vars_); }
    // The --help section of the variables read from now on.
    void Section(std::string name) { section_ = std::move(name); }

private:
    void Document(const std::string& name, const std::string& def, const std::string& help,
                  bool secret = false) {
        if (seen_.insert(name).second) vars_.push_back({name, def, help, secret, section_});
    }

    const Environment& env_;
    std::vector<std::string> errors_;
    std::vector<std::string> warnings_;
    std::vector<ConfigVar> vars_;
    std::set<std::string> seen_;
    std::string section_ = "Server";
};

std::optional<Scope> ParseScope(std::string_view s) {
    if (s == "admin") return Scope::admin;
    if (s == "app") return Scope::app;
    if (s == "read") return Scope::read;
    return std::nullopt;
}

void ReadApiKeys(Reader& r, Config& c) {
    c.api_secret_key = r.String("API_SECRET_KEY", "",
                                "Admin API key accepted in the x-api-key header (seed-compatible)",
                                true);
    std::string keys = r.String(
        "API_KEYS", "",
        "More API keys: name:scope:secret[:limit],... with scope admin, app or read; limit is "
        "this key's requests per rate-limit window",
        true);
    if (!c.api_secret_key.empty()) c.api_keys.push_back({"default", Scope::admin, c.api_secret_key, 0});
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

int Config::ResolvedIoThreads() const {
    if (io_threads > 0) return io_threads;
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

Environment ParseDotEnv(const std::string& text) {
    Environment env;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::string t = Trim(line);
        if (t.empty() || t[0] == '#') continue;
        if (t.rfind("export ", 0) == 0) t = Trim(t.substr(7));
        auto eq = t.find('=');
        if (eq == std::string::npos) continue;
        std::string key = Trim(t.substr(0, eq));
        std::string value = Trim(t.substr(eq + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
            value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        } else {
            auto hash = value.find(" #");
            if (hash != std::string::npos) value = Trim(value.substr(0, hash));
        }
        if (!key.empty()) env[key] = value;
    }
    return env;
}

Environment ReadEnvironment(const std::string& dotenv_path) {
    Environment env;
    std::ifstream f(dotenv_path);
    if (f) {
        std::stringstream ss;
        ss << f.rdbuf();
        env = ParseDotEnv(ss.str());
    }
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
    return env;
}

namespace {

void Fill(Reader& r, Config& c) {

    r.Section("Server");
    c.node_env = r.String("NODE_ENV", "production",
                          "Environment name; \"development\" allows SKIP_AUTH and an open dashboard");
    c.api_host = r.String("API_HOST", "0.0.0.0", "Address the HTTP server binds to");
    c.api_port = r.Int("API_PORT", 3000, 0, 65535, "HTTP port (0 picks a free port)");
    c.io_threads = r.Int("IO_THREADS", 0, 0, 256, "I/O threads; 0 means one per core");
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
    c.log_level = r.Choice("LOG_LEVEL", "info", {"trace", "debug", "info", "warn", "error"},
                           "Log level");
    c.log_json = r.Choice("LOG_FORMAT", "text", {"text", "json"}, "Log line format") == "json";
    c.cors_origins = SplitList(r.String("CORS_ORIGINS", "http://localhost:3000",
                                        "Comma-separated origins allowed by CORS and /ws"));
    c.data_dir = r.String("DATA_DIR", "./data",
                          "Directory for the SQLite database, generated keys and secrets");
    c.instance_id = r.String("INSTANCE_ID", "", "Name of this instance (default: generated)");
    c.deployment_id = r.String("DEPLOYMENT_ID", "default",
                               "Tag value marking the IVS stages this deployment manages");
    c.metrics_port = r.Int("METRICS_PORT", 0, 0, 65535,
                           "Serve /metrics on this port too (0: only on API_PORT)");
    c.metrics_on_api_port = r.Bool("METRICS_ON_API_PORT", true,
                                   "Serve /metrics on API_PORT as well; false with METRICS_PORT "
                                   "keeps it off the public listener");

    r.Section("Authentication and rate limits");
    ReadApiKeys(r, c);
    c.skip_auth_requested = r.Bool("SKIP_AUTH", false,
                                   "Disable API-key checks; honoured only with NODE_ENV=development");
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
    c.rate_limit_window_ms = r.Int("RATE_LIMIT_WINDOW_MS", 60000, 1000, 86400000,
                                   "Rate-limit window in milliseconds");
    c.rate_limit_max_requests = r.Int("RATE_LIMIT_MAX_REQUESTS", 100, 1, 100000000,
                                      "Requests allowed per caller per window");
    c.trust_proxy = r.Bool("TRUST_PROXY", false,
                           "Take the client address from X-Forwarded-For (behind a load balancer)");

    r.Section("Modes (which adapter each part uses)");
    std::string hot = r.Choice("HOT_STORE", "", {"memory", "redis"},
                               "Hot state store (default: redis when REDIS_HOST is set)");
    std::string cold = r.Choice("COLD_STORE", "", {"sqlite", "postgres"},
                                "History store (default: postgres when DB_HOST is set)");
    std::string ivs = r.Choice("IVS_BACKEND", "", {"local", "aws"},
                               "IVS backend (default: aws when MASTER_STAGE_ARN or IVS_ENDPOINT "
                               "is set, else the built-in emulator)");

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
    c.redis_command_timeout_ms = r.Int("REDIS_COMMAND_TIMEOUT_MS", 2000, 10, 60000,
                                       "Deadline of one Redis command");
    c.redis_connections = r.Int("REDIS_CONNECTIONS", 2, 1, 64,
                                "Pipelined Redis connections per instance");

    r.Section("PostgreSQL (history)");
    c.db_host = r.String("DB_HOST", "", "PostgreSQL host; setting it selects the PostgreSQL store");
    c.db_port = r.Int("DB_PORT", 5432, 1, 65535, "PostgreSQL port");
    c.db_name = r.String("DB_NAME", "ivs_live", "PostgreSQL database");
    c.db_user = r.String("DB_USER", "postgres", "PostgreSQL user");
    c.db_password = r.String("DB_PASSWORD", "", "PostgreSQL password", true);
    c.db_pool_max = r.Int("DB_POOL_MAX", 20, 1, 1000, "PostgreSQL connection pool size");
    c.db_pool_min = r.Int("DB_POOL_MIN", 2, 0, 1000, "PostgreSQL connections opened at start");
    c.db_ssl = r.Bool("DB_SSL_ENABLED", false, "Connect to PostgreSQL over TLS");

    r.Section("AWS and IVS");
    c.aws_region = r.String("AWS_REGION", "us-east-1", "AWS region of IVS and CloudWatch");
    c.aws_account_id = r.String("AWS_ACCOUNT_ID", "",
                                "Account id used to build ARNs from short stage ids");
    c.master_stage_arn = r.String("MASTER_STAGE_ARN", "",
                                  "Stage the publisher joins; setting it selects AWS IVS");
    c.ivs_endpoint = r.String("IVS_ENDPOINT", "",
                              "IVS endpoint URL override (http allowed), e.g. a standalone emulator");
    c.ivs_stage_tps = r.Double("IVS_STAGE_TPS", 5, 0.1, 10000,
                               "Client-side limit for IVS stage operations per second");
    c.ivs_token_tps = r.Double("IVS_TOKEN_TPS", 50, 0.1, 10000,
                               "Client-side limit for CreateParticipantToken per second");
    c.ivs_max_retries = r.Int("IVS_MAX_RETRIES", 4, 0, 20,
                              "Retries of throttled or failed IVS calls");
    c.ivs_timeout_ms = r.Int("IVS_TIMEOUT_MS", 5000, 100, 120000, "Deadline of one IVS call");
    c.ivs_emulator_max_stages = r.Int("IVS_EMULATOR_MAX_STAGES", 1000, 1, 1000000,
                                      "Stage quota of the built-in emulator");
    c.ivs_emulator_access_key_id = r.String("IVS_EMULATOR_ACCESS_KEY_ID", "test",
                                            "Access key the standalone emulator accepts");
    c.ivs_emulator_secret_access_key = r.String(
        "IVS_EMULATOR_SECRET_ACCESS_KEY", "test", "Secret key the standalone emulator accepts", true);
    std::string signing = r.Choice("TOKEN_SIGNING", "", {"self", "api"},
                                   "How participant tokens are made: self-signed ES384 or "
                                   "CreateParticipantToken (default: self when a key is "
                                   "configured or in embedded mode, else api)");
    c.token_signing_library =
        r.Choice("TOKEN_SIGNING_LIBRARY", "nettle", {"nettle", "openssl"},
                 "Library computing self-signed ES384 signatures (same tokens; nettle is faster)") ==
                "openssl"
            ? TokenSigningLibrary::openssl
            : TokenSigningLibrary::nettle;
    c.ivs_token_private_key_file = r.String("IVS_TOKEN_PRIVATE_KEY_FILE", "",
                                            "P-384 private key (PEM) for self-signed tokens");
    c.ivs_public_key_arn = r.String("IVS_PUBLIC_KEY_ARN", "",
                                    "ARN of the imported public key matching that private key");
    c.publisher_token_ttl_minutes = r.Int("PUBLISHER_TOKEN_TTL_MINUTES", 240, 1, 20160,
                                          "Publisher token lifetime in minutes");
    c.viewer_token_ttl_minutes = r.Int("VIEWER_TOKEN_TTL_MINUTES", 60, 1, 20160,
                                       "Viewer token lifetime in minutes");
    c.mediaserver_token_ttl_minutes = r.Int("MEDIASERVER_TOKEN_TTL_MINUTES", 240, 1, 20160,
                                            "Media-server token lifetime in minutes");

    r.Section("Audience and autoscaling");
    c.stage_capacity = r.Int("STAGE_CAPACITY", 50, 1, 10000, "Most viewers seated in one stage");
    c.scale_up_threshold = r.Int("SCALE_UP_THRESHOLD", 45, 1, 10000,
                                 "Viewers per stage at which new viewers prefer other stages "
                                 "and the autoscaler adds one");
    c.scale_down_threshold = r.Int("SCALE_DOWN_THRESHOLD", 5, 0, 10000,
                                   "A stage with at most this many viewers may be drained");
    c.max_stages = r.Int("MAX_STAGES", 20, 1, 1000, "Most managed stages, master included");
    c.spare_stages = r.Int("SPARE_STAGES", 1, 0, 100, "Empty stages kept ready ahead of demand");
    c.stage_warmup_seconds = r.Int("STAGE_WARMUP_SECONDS", 300, 0, 86400,
                                   "A stage younger than this is never drained");
    c.drain_timeout_seconds = r.Int("DRAIN_TIMEOUT_SECONDS", 300, 0, 86400,
                                    "A draining stage is deleted after this even if not empty");
    c.autoscale_interval_seconds = r.Int("AUTOSCALE_INTERVAL_SECONDS", 5, 1, 3600,
                                         "Autoscaler tick period");
    c.autoscale_enabled = r.Bool("AUTO_SCALE_ENABLED", true, "Run the autoscaler");
    c.seat_wait_seconds = r.Int("SEAT_WAIT_SECONDS", 10, 0, 120,
                                "How long a join waits for a stage being created");
    c.stage_name_prefix = r.String("STAGE_NAME_PREFIX", "ivs-stage",
                                   "Name prefix of the stages the server creates");
    c.heartbeat_interval_seconds = r.Int("HEARTBEAT_INTERVAL_SECONDS", 30, 1, 3600,
                                         "Heartbeat period told to clients");
    c.heartbeat_timeout_seconds = r.Int("HEARTBEAT_TIMEOUT_SECONDS", 60, 1, 86400,
                                        "A viewer silent this long is removed");
    c.heartbeat_checkpoint_seconds =
        r.Int("HEARTBEAT_CHECKPOINT_SECONDS", 60, 1, 3600,
              "How often live sessions' last heartbeats are recorded in the history store (a "
              "crash closes their rows at that time)");
    c.fanout_mode = r.Choice("FANOUT_MODE", "replication", {"replication", "mediaserver"},
                             "How video reaches fan-out stages") == "mediaserver"
                        ? FanoutMode::mediaserver
                        : FanoutMode::replication;
    c.publisher_poll_seconds = r.Int("PUBLISHER_POLL_SECONDS", 30, 1, 3600,
                                     "Period of the master-stage publisher poll");
    c.require_live_publisher = r.Bool("REQUIRE_LIVE_PUBLISHER", true,
                                      "Refuse viewer tokens (404) while no publisher is live");

    r.Section("History");
    c.snapshot_interval_seconds = r.Int("SNAPSHOT_INTERVAL_SECONDS", 300, 1, 86400,
                                        "Period of per-stage viewer-count snapshots");
    c.retention_days = r.Int("RETENTION_DAYS", 90, 1, 36500, "Days snapshots are kept");
    c.session_retention_days = r.Int("SESSION_RETENTION_DAYS", 0, 0, 36500,
                                     "Days viewing sessions are kept (0: forever)");

    r.Section("Scale-out");
    c.leader_lease_seconds = r.Int("LEADER_LEASE_SECONDS", 10, 2, 3600,
                                   "Leader lease; another instance takes over after this");

    r.Section("CloudWatch");
    c.cloudwatch_enabled = r.Bool("CLOUDWATCH_ENABLED", false, "Publish metrics to CloudWatch");
    c.cloudwatch_namespace = r.String("CLOUDWATCH_NAMESPACE", "IVS/Production",
                                      "CloudWatch namespace");
    c.cloudwatch_interval_seconds = r.Int("CLOUDWATCH_INTERVAL_SECONDS", 60, 1, 3600,
                                          "Period of PutMetricData");
    c.cloudwatch_endpoint = r.String("CLOUDWATCH_ENDPOINT", "", "CloudWatch endpoint URL override");

    r.Section("WebSocket");
    c.ws_max_connections = r.Int("WS_MAX_CONNECTIONS", 20000, 1, 1000000,
                                 "Most WebSocket connections per instance");
    c.ws_queue_limit = r.Int("WS_QUEUE_LIMIT", 64, 1, 100000,
                             "Messages queued for one WebSocket before it is dropped as slow");
    c.ws_ping_seconds = r.Int("WS_PING_SECONDS", 20, 1, 3600, "WebSocket ping period");

    r.Section("AWS credentials");
    // Documented here so --help lists them; read by the AWS credentials chain.
    r.String("AWS_ACCESS_KEY_ID", "", "AWS access key (credentials chain: environment first)", true);
    r.String("AWS_SECRET_ACCESS_KEY", "", "AWS secret key", true);
    r.String("AWS_SESSION_TOKEN", "", "AWS session token for temporary credentials", true);
    r.String("AWS_PROFILE", "default", "Profile in the shared credentials/config files");

    // --- Mode selection: explicit selectors win, then the variables that imply a mode.
    if (hot == "redis" || (hot.empty() && r.Has("REDIS_HOST"))) {
        c.hot_store = HotStoreKind::redis;
        c.hot_store_reason = hot.empty() ? "REDIS_HOST is set" : "HOT_STORE=redis";
        if (c.redis_host.empty()) r.Error("HOT_STORE=redis needs REDIS_HOST");
    } else {
        c.hot_store = HotStoreKind::memory;
        c.hot_store_reason = hot.empty() ? "REDIS_HOST is unset" : "HOT_STORE=memory";
    }
    if (cold == "postgres" || (cold.empty() && r.Has("DB_HOST"))) {
        c.cold_store = ColdStoreKind::postgres;
        c.cold_store_reason = cold.empty() ? "DB_HOST is set" : "COLD_STORE=postgres";
        if (c.db_host.empty()) r.Error("COLD_STORE=postgres needs DB_HOST");
    } else {
        c.cold_store = ColdStoreKind::sqlite;
        c.cold_store_reason = cold.empty() ? "DB_HOST is unset" : "COLD_STORE=sqlite";
    }
    if (ivs == "aws" || (ivs.empty() && (r.Has("MASTER_STAGE_ARN") || r.Has("IVS_ENDPOINT")))) {
        c.ivs_backend = IvsBackendKind::aws;
        c.ivs_backend_reason = !ivs.empty()                ? "IVS_BACKEND=aws"
                               : r.Has("MASTER_STAGE_ARN") ? "MASTER_STAGE_ARN is set"
                                                           : "IVS_ENDPOINT is set";
        if (c.master_stage_arn.empty()) r.Error("IVS_BACKEND=aws needs MASTER_STAGE_ARN");
    } else {
        c.ivs_backend = IvsBackendKind::local;
        c.ivs_backend_reason =
            ivs.empty() ? "MASTER_STAGE_ARN and IVS_ENDPOINT are unset" : "IVS_BACKEND=local";
    }
    bool have_key = !c.ivs_token_private_key_file.empty() && !c.ivs_public_key_arn.empty();
    if (signing == "self") {
        c.token_signing = TokenSigningKind::self;
        if (c.ivs_backend == IvsBackendKind::aws && !have_key) {
            r.Error("TOKEN_SIGNING=self needs IVS_TOKEN_PRIVATE_KEY_FILE and IVS_PUBLIC_KEY_ARN");
        }
    } else if (signing == "api") {
        c.token_signing = TokenSigningKind::api;
    } else {
        c.token_signing = (have_key || c.ivs_backend == IvsBackendKind::local)
                              ? TokenSigningKind::self
                              : TokenSigningKind::api;
    }

    // --- Cross-field rules
    if (c.scale_up_threshold > c.stage_capacity) {
        r.Error("SCALE_UP_THRESHOLD (" + std::to_string(c.scale_up_threshold) +
                ") must not exceed STAGE_CAPACITY (" + std::to_string(c.stage_capacity) + ")");
    }
    if (c.scale_down_threshold >= c.scale_up_threshold) {
        r.Error("SCALE_DOWN_THRESHOLD must be below SCALE_UP_THRESHOLD");
    }
    if (c.heartbeat_timeout_seconds < c.heartbeat_interval_seconds) {
        r.Warn("HEARTBEAT_TIMEOUT_SECONDS is shorter than HEARTBEAT_INTERVAL_SECONDS: viewers "
               "that heartbeat on time will still expire");
    }
    if (!c.metrics_on_api_port && c.metrics_port == 0) {
        r.Error("METRICS_ON_API_PORT=false needs METRICS_PORT (else /metrics is served nowhere)");
    }
    if (!c.session_secret.empty() && c.session_secret.size() < 16) {
        r.Error("SESSION_SECRET must be at least 16 characters");
    }
    if (c.fanout_mode == FanoutMode::replication && c.max_stages > 6) {
        r.Warn("MAX_STAGES=" + std::to_string(c.max_stages) +
               " with FANOUT_MODE=replication: IVS replicates one participant to at most 5 "
               "stages, so stages beyond the master plus 5 carry no video");
    }
    if (c.hot_store == HotStoreKind::redis && c.ivs_backend == IvsBackendKind::local) {
        r.Warn("Redis hot store with the in-process IVS emulator: such a deployment cannot have "
               "more than one instance (use IVS_ENDPOINT or AWS)");
    }
    if (c.db_pool_min > c.db_pool_max) r.Error("DB_POOL_MIN must not exceed DB_POOL_MAX");
}

}  // namespace

ConfigLoadResult LoadConfig(const Environment& env) {
    Reader r(env);
    ConfigLoadResult out;
    Fill(r, out.config);
    out.errors = r.TakeErrors();
    out.warnings = r.TakeWarnings();
    return out;
}

std::vector<ConfigVar> DescribeConfig() {
    Environment empty;
    Reader r(empty);
    Config ignored;
    Fill(r, ignored);
    return r.TakeVars();
}

}  // namespace ivs
