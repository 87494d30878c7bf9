#include "adapters/redis/redis_rate_limiter.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

namespace ivs::adapters::redis {
namespace {

// KEYS: counter. ARGV: increment, window ms. Returns {count, ms left in the window}.
const RedisScript& HitScript() {
    static const RedisScript s(R"lua(
local n = redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {n, ttl}
)lua");
    return s;
}

// Far from its limit, a caller's hits are counted locally and sent to Redis in one INCRBY at
// most every kSyncInterval, so the hot path (a heartbeat) costs no extra round trip. Once the
// estimate passes half the limit, or for small limits, every hit goes to Redis and decisions
// are exact across instances.
constexpr std::chrono::milliseconds kSyncInterval{100};
constexpr int kLocalDecisionMinLimit = 100;
constexpr std::size_t kMaxTrackedCallers = 100'000;

class RedisRateLimiter final : public ports::RateLimiter {
  public:
    explicit RedisRateLimiter(std::shared_ptr<RedisClient> client)
        : state_(std::make_shared<State>()) {
        state_->client = std::move(client);
    }

    boost::asio::awaitable<Result<ports::RateDecision>> Hit(
        std::string key, int limit, std::chrono::milliseconds window) override {
        const std::int64_t window_ms = std::max<std::int64_t>(1, window.count());
        const auto now = std::chrono::steady_clock::now();
        std::int64_t take = 1;
        std::int64_t background = 0;  // hits to send without waiting (none: decide by Redis)
        std::optional<ports::RateDecision> local;
        {
            std::lock_guard lock(state_->mu);
            Caller& c = state_->Track(key, now, window);
            c.pending += 1;
            const std::int64_t estimate = c.global + c.pending;
            if (limit >= kLocalDecisionMinLimit && estimate * 2 <= limit) {
                // Far from the limit the request never waits for Redis: the hits are sent in
                // the background, one sync per caller at a time, so a slow or hung Redis
                // cannot hold up requests it does not decide.
                local = Decide(limit, estimate, c.window_end - now);
                if (now - c.last_sync >= kSyncInterval && !c.syncing) {
                    c.syncing = true;
                    c.last_sync = now;
                    background = std::exchange(c.pending, 0);
                }
            } else {
                take = std::exchange(c.pending, 0);
                c.last_sync = now;
            }
        }
        // Spawned outside the lock: the sync may run inline up to its first suspension.
        if (background > 0) {
            boost::asio::co_spawn(co_await boost::asio::this_coro::executor,
                                  Sync(state_, key, background, window_ms), boost::asio::detached);
        }
        if (local) co_return *local;
        auto counted = co_await Send(*state_, key, take, window_ms);
        if (!counted) co_return counted.error();
        co_return Decide(limit, counted->count, counted->left);
    }

  private:
    struct Caller {
        std::int64_t global = 0;   // last count Redis reported for the window
        std::int64_t pending = 0;  // local hits not yet sent
        bool syncing = false;      // a background sync is in flight
        std::chrono::steady_clock::time_point last_sync{};
        std::chrono::steady_clock::time_point window_end{};
    };

    // Shared with the background syncs, which may outlive a request.
    struct State {
        std::shared_ptr<RedisClient> client;
        std::mutex mu;
        std::unordered_map<std::string, Caller> callers;

        // The caller's state for the current window (reset when the window has passed).
        Caller& Track(const std::string& key, std::chrono::steady_clock::time_point now,
                      std::chrono::milliseconds window) {
            if (callers.size() >= kMaxTrackedCallers && !callers.count(key)) {
                for (auto it = callers.begin(); it != callers.end();) {
                    it = it->second.window_end <= now ? callers.erase(it) : std::next(it);
                }
                if (callers.size() >= kMaxTrackedCallers) callers.clear();
            }
            Caller& c = callers[key];
            if (c.window_end <= now) {
                c = Caller{};
                c.window_end = now + window;
            }
            return c;
        }
    };

    // What a caller is judged by after a sync: Redis's count (or the local estimate when that
    // is higher) and the time left in the window.
    struct Counted {
        std::int64_t count = 0;
        std::chrono::steady_clock::duration left{};
    };

    // Adds `take` hits to the caller's counter in Redis.
    static boost::asio::awaitable<Result<Counted>> Send(State& state, const std::string& key,
                                                        std::int64_t take, std::int64_t window_ms) {
        std::vector<std::string> keys{state.client->KeyPrefix() + "ratelimit:{" + key + "}"};
        std::vector<std::string> args{std::to_string(take), std::to_string(window_ms)};
        auto r = co_await state.client->Eval(HitScript(), std::move(keys), std::move(args));
        if (!r) co_return r.error();
        if (!r->IsArray() || r->elements.size() < 2) {
            co_return Error(Errc::internal, "Unexpected answer from Redis");
        }
        const auto count = r->elements[0].AsInt().value_or(0);
        const auto ttl_ms = r->elements[1].AsInt().value_or(0);
        std::lock_guard lock(state.mu);
        const auto now = std::chrono::steady_clock::now();
        Caller& c = state.Track(key, now, std::chrono::milliseconds(window_ms));
        c.global = std::max(c.global, count);
        c.window_end = now + std::chrono::milliseconds(ttl_ms);
        co_return Counted{std::max(count, c.global + c.pending), c.window_end - now};
    }

    // A background sync: hits Redis did not take are counted again locally.
    static boost::asio::awaitable<void> Sync(std::shared_ptr<State> state, std::string key,
                                             std::int64_t take, std::int64_t window_ms) {
        auto sent = co_await Send(*state, key, take, window_ms);
        std::lock_guard lock(state->mu);
        auto it = state->callers.find(key);
        if (it == state->callers.end()) co_return;
        it->second.syncing = false;
        if (!sent) it->second.pending += take;
    }

    static ports::RateDecision Decide(int limit, std::int64_t count,
                                      std::chrono::steady_clock::duration left) {
        ports::RateDecision d;
        d.limit = limit;
        d.allowed = count <= limit;
        d.remaining = static_cast<int>(std::max<std::int64_t>(0, limit - count));
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left).count();
        d.reset_seconds = static_cast<int>(std::max<std::int64_t>(1, (ms + 999) / 1000));
        return d;
    }

    std::shared_ptr<State> state_;
};

}  // namespace

std::unique_ptr<ports::RateLimiter> MakeRedisRateLimiter(std::shared_ptr<RedisClient> client) {
    return std::make_unique<RedisRateLimiter>(std::move(client));
}

}  // namespace ivs::adapters::redis
