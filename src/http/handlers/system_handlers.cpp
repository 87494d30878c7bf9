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

json::object MemoryFields(const json::storage_ptr& sp) {
    static MemorySampler sampler;
    const auto [rss, limit] = sampler.RssAndLimit();
    return json::object({{"used", std::llround(rss)},
                         {"total", std::llround(limit)},
                         {"unit", "MB"},
                         {"rss", std::round(rss * 10) / 10}},
                        sp);
}

// The fields the Node server's health answers carry, shared by /health and /api/health.
// `redis` is the Redis state to report ("connected", "disconnected" or "not configured").
json::object CompatFields(const SystemOptions& config, const HealthFacts& facts, std::string redis,
                          const json::storage_ptr& sp = {}) {
    const bool stage = facts.stage_configured ? facts.stage_configured()
                                              : config.master_stage_configured;
    return json::object(
        {{"status", "healthy"},
         {"uptime", UptimeSeconds()},
         {"environment", config.node_env},
         {"version", IVS_VERSION},
         {"services",
          {{"redis", std::move(redis)},
           {"aws", {{"region", config.aws_region}, {"stageConfigured", stage}}}}},
         {"memory", MemoryFields(sp)}},
        sp);
}

std::string LastKnownRedis(const HealthFacts& facts) {
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
    router.Add(
        Verb::get, "/health",
        [shared_facts, shared_config](RequestContext&) -> asio::awaitable<Reply> {
            JsonScratch scratch;
            co_return EnvelopeOk(CompatFields(*shared_config, *shared_facts,
                                              LastKnownRedis(*shared_facts), scratch.storage()));
        },
        {Access::open, false, "Liveness: answers while the process serves, no dependency calls"});

    auto shared_checks = std::make_shared<std::vector<DependencyCheck>>(std::move(checks));
    auto states = std::make_shared<std::vector<std::shared_ptr<CheckState>>>();
    for (std::size_t i = 0; i < shared_checks->size(); ++i) {
        states->push_back(std::make_shared<CheckState>());
    }
    router.Add(
        Verb::get, "/api/health",
        [shared_checks, states, shared_facts,
         shared_config](RequestContext&) -> asio::awaitable<Reply> {
            json::object data = CompatFields(*shared_config, *shared_facts, "not configured");
            json::object& services = data["services"].as_object();
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
                if (check.adapter == "redis") {
                    services.insert_or_assign("redis", out.up ? "connected" : "disconnected");
                }
                services[check.name] = std::move(s);
            }
            if (!all_up) data["status"] = "unhealthy";
            if (shared_facts->extra_data) {
                json::object extra = shared_facts->extra_data();
                for (auto& [k, v] : extra) data[k] = v;
            }
            if (all_up) co_return EnvelopeOk(std::move(data));
            Reply r = EnvelopeError(Error(Errc::unavailable, "A dependency is down"));
            // Same body as the healthy answer, so monitors can read which part failed.
            json::value doc = json::parse(r.body);
            doc.as_object()["data"] = std::move(data);
            r.body = SerializeJson(doc);
            co_return r;
        },
        {Access::open, false, "Readiness: probes every dependency (1 s deadline each)"});
}

}  // namespace ivs::http
