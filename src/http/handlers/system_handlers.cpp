#include "http/handlers/system_handlers.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <fstream>
#include <unistd.h>
#include <memory>

#include "core/json_text.hpp"
#include "core/time_format.hpp"

namespace ivs::http {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

const auto kStart = std::chrono::steady_clock::now();

double UptimeSeconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - kStart).count();
}

// Resident set size in MB from /proc (Linux).
double RssMegabytes() {
    std::ifstream f("/proc/self/statm");
    long pages = 0, resident = 0;
    f >> pages >> resident;
    return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) /
           (1024.0 * 1024.0);
}

// The memory this process may use, in MB: the cgroup limit when one is set (containers),
// else the machine's physical memory.
double MemoryLimitMegabytes() {
    std::ifstream cg("/sys/fs/cgroup/memory.max");
    std::string limit;
    if (cg >> limit && !limit.empty() && limit != "max") {
        try {
            return std::stod(limit) / (1024.0 * 1024.0);
        } catch (const std::exception&) {
        }
    }
    const double pages = static_cast<double>(::sysconf(_SC_PHYS_PAGES));
    return pages * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

// The resident set and the memory limit, read from /proc and /sys at most once a second:
// /health is polled by load balancers and monitors, and opening and reading those files cost
// more than the rest of its answer. Any thread may refresh; the others read the last sample.
class MemorySampler {
public:
    MemorySampler() : rss_(RssMegabytes()), limit_(MemoryLimitMegabytes()) {}

    std::pair<double, double> RssAndLimit() {
        const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count();
        std::int64_t due = next_ms_.load(std::memory_order_relaxed);
        if (now >= due && next_ms_.compare_exchange_strong(due, now + kPeriodMs)) {
            rss_.store(RssMegabytes(), std::memory_order_relaxed);
            limit_.store(MemoryLimitMegabytes(), std::memory_order_relaxed);
        }
        return {rss_.load(std::memory_order_relaxed), limit_.load(std::memory_order_relaxed)};
    }

private:
    static constexpr std::int64_t kPeriodMs = 1000;
    std::atomic<std::int64_t> next_ms_{0};
    std::atomic<double> rss_;
    std::atomic<double> limit_;
};

void AppendNumber(std::string& out, double n) { AppendJson(out, json::value(n)); }

// A JSON string literal of `s`, for the answer's fixed texts (written once, at registration).
std::string Quoted(std::string_view s) { return SerializeJson(json::string(s)); }

// The deployment facts the health answers repeat on every call, as JSON literals.
struct FixedHealthText {
    explicit FixedHealthText(const SystemOptions& o)
        : environment(Quoted(o.node_env)), version(Quoted(IVS_VERSION)),
          region(Quoted(o.aws_region)) {}
    std::string environment;
    std::string version;
    std::string region;
};

// What one health answer says beyond the fixed facts. `more_services` and `more_fields` are
// JSON members, each starting with a comma, added to "services" and to the top level.
struct HealthText {
    std::string_view status = "healthy";
    std::string_view redis;  // "connected", "disconnected" or "not configured"
    std::string more_services;
    std::string more_fields;
};

// The fields the Node server's health answers carry, shared by /health and /api/health,
// written as JSON text: /health is polled by load balancers and monitors, so no JSON tree is
// built for it.
std::string CompatFields(const SystemOptions& config, const FixedHealthText& fixed,
                         const HealthFacts& facts, const HealthText& h) {
    static MemorySampler sampler;
    const auto [rss, limit] = sampler.RssAndLimit();
    const bool stage = facts.stage_configured ? facts.stage_configured()
                                              : config.master_stage_configured;
    std::string out;
    out.reserve(320 + h.more_services.size() + h.more_fields.size());
    out.append(R"({"status":")").append(h.status).append(R"(","uptime":)");
    AppendNumber(out, UptimeSeconds());
    out.append(R"(,"environment":)").append(fixed.environment);
    out.append(R"(,"version":)").append(fixed.version);
    out.append(R"(,"services":{"redis":")").append(h.redis);
    out.append(R"(","aws":{"region":)").append(fixed.region);
    out.append(R"(,"stageConfigured":)").append(stage ? "true" : "false").append("}");
    out.append(h.more_services);
    out.append(R"(},"memory":{"used":)");
    AppendJson(out, json::value(std::llround(rss)));
    out.append(R"(,"total":)");
    AppendJson(out, json::value(std::llround(limit)));
    out.append(R"(,"unit":"MB","rss":)");
    AppendNumber(out, std::round(rss * 10) / 10);
    out.append("}");
    out.append(h.more_fields);
    out.append("}");
    return out;
}

// Appends `,"key":value` (a member of an object being written as text).
void AppendMember(std::string& out, std::string_view key, const json::value& value) {
    out.push_back(',');
    out.append(Quoted(key)).push_back(':');
    AppendJson(out, value);
}

std::string_view LastKnownRedis(const HealthFacts& facts) {
    if (!facts.redis_connected) return "not configured";
    return facts.redis_connected() ? "connected" : "disconnected";
}

struct ProbeOutcome {
    bool up = false;
    std::string error = "no answer within the 1 s deadline";
    double ms = 0;
};

// What a probe started by an earlier request left behind: a check still running is not started
// again (a hung dependency would otherwise pile up probes), and reads as down.
struct CheckState {
    std::atomic<bool> running{false};
};

// The outcomes of one /api/health call, shared with its probes: a probe that finishes after the
// deadline writes into it harmlessly.
struct Round {
    std::vector<ProbeOutcome> outcomes;
    std::size_t pending = 0;
    std::optional<asio::steady_timer> deadline;
};

asio::awaitable<void> RunProbe(const DependencyCheck& check, std::shared_ptr<CheckState> state,
                               std::shared_ptr<Round> round, std::size_t i) {
    auto started = std::chrono::steady_clock::now();
    ProbeOutcome out;
    try {
        Status s = co_await check.probe();
        out.up = s.has_value();
        out.error = s ? std::string() : s.error().message;
    } catch (const std::exception& e) {
        out.error = e.what();
    }
    state->running = false;
    out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                 .count();
    round->outcomes[i] = std::move(out);
    if (--round->pending == 0) round->deadline->cancel();
}

// Runs every probe at once on this strand and waits for them until the deadline, never longer:
// a probe still running then reads as down, and is left to finish on its own.
asio::awaitable<std::vector<ProbeOutcome>> RunAll(
    std::shared_ptr<std::vector<DependencyCheck>> checks,
    std::shared_ptr<std::vector<std::shared_ptr<CheckState>>> states) {
    constexpr auto kDeadline = std::chrono::milliseconds(900);  // the reply itself within 1 s
    auto exec = co_await asio::this_coro::executor;
    auto round = std::make_shared<Round>();
    round->outcomes.resize(checks->size());
    round->deadline.emplace(exec, kDeadline);
    for (std::size_t i = 0; i < checks->size(); ++i) {
        auto state = (*states)[i];
        if (state->running.exchange(true)) {
            round->outcomes[i].error = "an earlier probe is still waiting for an answer";
            continue;
        }
        ++round->pending;
        asio::co_spawn(exec, RunProbe((*checks)[i], state, round, i),
                       [checks](std::exception_ptr) {});
    }
    const auto started = std::chrono::steady_clock::now();
    if (round->pending > 0) {
        co_await round->deadline->async_wait(asio::as_tuple(asio::use_awaitable));
    }
    auto outcomes = round->outcomes;
    const double waited =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    for (auto& o : outcomes) {
        if (!o.up && o.ms == 0) o.ms = waited;
    }
    co_return outcomes;
}

}  // namespace

void RegisterSystemRoutes(Router& router, SystemOptions options,
                          std::vector<DependencyCheck> checks,
                          HealthFacts facts) {
    router.Add(
        Verb::get, "/",
        [](RequestContext&) -> asio::awaitable<Reply> {
            json::object endpoints{{"health", "/health"},
                                   {"publisherToken", "/api/token/publisher"},
                                   {"viewerToken", "/api/token/viewer"},
                                   {"stats", "/api/stats"},
                                   {"stages", "/api/stage"},
                                   {"openapi", "/api/openapi.json"},
                                   {"metrics", "/metrics"},
                                   {"dashboard", "/dashboard"},
                                   {"websocket", "/ws"}};
            json::object o{{"service", "AWS IVS Real-time API Server"},
                           {"version", IVS_VERSION},
                           {"status", "running"},
                           {"timestamp", FormatIso8601Millis(std::chrono::system_clock::now())},
                           {"endpoints", std::move(endpoints)}};
            co_return RawJson(o);
        },
        {Access::open, false, "Service information"});

    auto shared_facts = std::make_shared<const HealthFacts>(std::move(facts));
    auto shared_config = std::make_shared<const SystemOptions>(std::move(options));
    auto fixed = std::make_shared<const FixedHealthText>(*shared_config);
    router.Add(
        Verb::get, "/health",
        [shared_facts, shared_config, fixed](RequestContext&) -> asio::awaitable<Reply> {
            HealthText h;
            h.redis = LastKnownRedis(*shared_facts);
            co_return EnvelopeOkText(CompatFields(*shared_config, *fixed, *shared_facts, h));
        },
        {Access::open, false, "Liveness: answers while the process serves, no dependency calls"});

    auto shared_checks = std::make_shared<std::vector<DependencyCheck>>(std::move(checks));
    auto states = std::make_shared<std::vector<std::shared_ptr<CheckState>>>();
    for (std::size_t i = 0; i < shared_checks->size(); ++i) {
        states->push_back(std::make_shared<CheckState>());
    }
    router.Add(
        Verb::get, "/api/health",
        [shared_checks, states, shared_facts, shared_config,
         fixed](RequestContext&) -> asio::awaitable<Reply> {
            HealthText h;
            h.redis = "not configured";
            bool all_up = true;
            std::vector<ProbeOutcome> outcomes = co_await RunAll(shared_checks, states);
            for (std::size_t i = 0; i < shared_checks->size(); ++i) {
                const DependencyCheck& check = (*shared_checks)[i];
                const ProbeOutcome& out = outcomes[i];
                json::object s{{"status", out.up ? "up" : "down"},
                               {"adapter", check.adapter},
                               {"latencyMs", std::round(out.ms * 100) / 100}};
                if (!out.up) s["error"] = out.error;
                all_up = all_up && out.up;
                if (check.adapter == "redis") h.redis = out.up ? "connected" : "disconnected";
                AppendMember(h.more_services, check.name, s);
            }
            if (!all_up) h.status = "unhealthy";
            if (shared_facts->extra_data) {
                for (const auto& [k, v] : shared_facts->extra_data()) {
                    AppendMember(h.more_fields, k, v);
                }
            }
            std::string data = CompatFields(*shared_config, *fixed, *shared_facts, h);
            if (all_up) co_return EnvelopeOkText(data);
            Reply r = EnvelopeError(Error(Errc::unavailable, "A dependency is down"));
            // Same body as the healthy answer, so monitors can read which part failed.
            json::value doc = json::parse(r.body);
            doc.as_object()["data"] = json::parse(data);
            r.body = SerializeJson(doc);
            co_return r;
        },
        {Access::open, false, "Readiness: probes every dependency (1 s deadline each)"});
}

}  // namespace ivs::http
