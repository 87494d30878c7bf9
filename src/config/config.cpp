#include "config/config.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "config/config_reader.hpp"

extern char** environ;

namespace ivs {

using config_detail::Reader;
using config_detail::Trim;

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

// The mode selectors as written ("" when unset).
struct ModeSelectors {
    std::string hot;
    std::string cold;
    std::string ivs;
    std::string signing;
};

ModeSelectors ReadModes(Reader& r) {
    r.Section("Modes (which adapter each part uses)");
    ModeSelectors m;
    m.hot = r.Choice("HOT_STORE", "", {"memory", "redis"},
                     "Hot state store (default: redis when REDIS_HOST is set)");
    m.cold = r.Choice("COLD_STORE", "", {"sqlite", "postgres"},
                      "History store (default: postgres when DB_HOST is set)");
    m.ivs = r.Choice("IVS_BACKEND", "", {"local", "aws"},
                     "IVS backend (default: aws when MASTER_STAGE_ARN or IVS_ENDPOINT "
                     "is set, else the built-in emulator)");
    return m;
}

// A part with two adapters. Its selector wins; without one, any of `implied_by` being set
// picks the second adapter, which then cannot work without `needs`.
struct TwoWayMode {
    std::string selector;
    std::string first;
    std::string second;
    std::vector<std::string> implied_by;
    std::string needs;
};

// True when `mode` picks its second adapter; `reason` says why (it is logged at start).
// `needed_value` is the value of `mode.needs`.
bool PicksSecond(Reader& r, const TwoWayMode& mode, const std::string& selected,
                 const std::string& needed_value, std::string& reason) {
    auto implied = std::find_if(mode.implied_by.begin(), mode.implied_by.end(),
                                [&r](const std::string& name) { return r.Has(name); });
    if (selected == mode.second || (selected.empty() && implied != mode.implied_by.end())) {
        reason = selected.empty() ? *implied + " is set" : mode.selector + "=" + mode.second;
        if (needed_value.empty()) {
            r.Error(mode.selector + "=" + mode.second + " needs " + mode.needs);
        }
        return true;
    }
    if (!selected.empty()) {
        reason = mode.selector + "=" + mode.first;
        return false;
    }
    reason.clear();
    for (const auto& name : mode.implied_by) reason += (reason.empty() ? "" : " and ") + name;
    reason += mode.implied_by.size() == 1 ? " is unset" : " are unset";
    return false;
}

// Explicit selectors win, then the variables that imply a mode.
void SelectModes(Reader& r, const ModeSelectors& m, Config& c) {
    const bool redis =
        PicksSecond(r, {"HOT_STORE", "memory", "redis", {"REDIS_HOST"}, "REDIS_HOST"}, m.hot,
                    c.redis_host, c.hot_store_reason);
    c.hot_store = redis ? HotStoreKind::redis : HotStoreKind::memory;
    const bool postgres =
        PicksSecond(r, {"COLD_STORE", "sqlite", "postgres", {"DB_HOST"}, "DB_HOST"}, m.cold,
                    c.db_host, c.cold_store_reason);
    c.cold_store = postgres ? ColdStoreKind::postgres : ColdStoreKind::sqlite;
    const bool aws = PicksSecond(
        r,
        {"IVS_BACKEND", "local", "aws", {"MASTER_STAGE_ARN", "IVS_ENDPOINT"}, "MASTER_STAGE_ARN"},
        m.ivs, c.master_stage_arn, c.ivs_backend_reason);
    c.ivs_backend = aws ? IvsBackendKind::aws : IvsBackendKind::local;
    bool have_key = !c.ivs_token_private_key_file.empty() && !c.ivs_public_key_arn.empty();
    if (m.signing == "self") {
        c.token_signing = TokenSigningKind::self;
        if (c.ivs_backend == IvsBackendKind::aws && !have_key) {
            r.Error("TOKEN_SIGNING=self needs IVS_TOKEN_PRIVATE_KEY_FILE and IVS_PUBLIC_KEY_ARN");
        }
    } else if (m.signing == "api") {
        c.token_signing = TokenSigningKind::api;
    } else {
        c.token_signing = (have_key || c.ivs_backend == IvsBackendKind::local)
                              ? TokenSigningKind::self
                              : TokenSigningKind::api;
    }
}

void CheckCrossFieldRules(Reader& r, const Config& c) {
    if (c.scale_up_threshold > c.stage_capacity) {
        r.Error("SCALE_UP_THRESHOLD (" + std::to_string(c.scale_up_threshold) +
                ") must not exceed STAGE_CAPACITY (" + std::to_string(c.stage_capacity) + ")");
    }
    if (c.scale_down_threshold >= c.scale_up_threshold) {
        r.Error("SCALE_DOWN_THRESHOLD must be below SCALE_UP_THRESHOLD");
    }
    if (c.heartbeat_timeout_seconds < c.heartbeat_interval_seconds) {
        r.Warn(
            "HEARTBEAT_TIMEOUT_SECONDS is shorter than HEARTBEAT_INTERVAL_SECONDS: viewers "
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
        r.Warn(
            "Redis hot store with the in-process IVS emulator: such a deployment cannot have "
            "more than one instance (use IVS_ENDPOINT or AWS)");
    }
    if (c.db_pool_min > c.db_pool_max) r.Error("DB_POOL_MIN must not exceed DB_POOL_MAX");
}

void Fill(Reader& r, Config& c) {
    using namespace config_detail;
    ReadServer(r, c);
    ReadAuth(r, c);
    ModeSelectors modes = ReadModes(r);
    ReadRedis(r, c);
    ReadPostgres(r, c);
    modes.signing = ReadAwsIvs(r, c);
    ReadAudience(r, c);
    ReadOperations(r, c);
    SelectModes(r, modes, c);
    CheckCrossFieldRules(r, c);
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
