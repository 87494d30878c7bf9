#include "adapters/redis/redis_rate_limiter.hpp"

#include <algorithm>
#include <mutex>
#include <unordered_map>

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
    explicit RedisRateLimiter(std::shared_ptr<RedisClient> client) : client_(std::move(client)) {}

    boost::asio::awaitable<Result<ports::RateDecision>> Hit(
        std::string key, int limit, std::chrono::milliseconds window) override {
        const std::int64_t window_ms = std::max<std::int64_t>(1, window.count());
        const auto now = std::chrono::steady_clock::now();
        std::int64_t take = 1;
        {
            std::lock_guard lock(mu_);
            Caller& c = Track(key, now, window);
            c.pending += 1;
            const std::int64_t estimate = c.global + c.pending;
            const bool local = limit >= kLocalDecisionMinLimit && estimate * 2 <= limit &&
                               now - c.last_sync < kSyncInterval;
            if (local) co_return Decide(limit, estimate, c.window_end - now);
            take = c.pending;
            c.pending = 0;
            c.last_sync = now;
        }
        std::vector<std::string> keys{client_->KeyPrefix() + "ratelimit:{" + key + "}"};
        std::vector<std::string> args{std::to_string(take), std::to_string(window_ms)};
        auto r = co_await client_->Eval(HitScript(), std::move(keys), std::move(args));
        if (!r) co_return r.error();
        if (!r->IsArray() || r->elements.size() < 2) {
            co_return Error(Errc::internal, "Unexpected answer from Redis");
        }
        const auto count = r->elements[0].AsInt().value_or(0);
        const auto ttl_ms = r->elements[1].AsInt().value_or(0);
        std::int64_t estimate = count;
        {
            std::lock_guard lock(mu_);
            Caller& c = Track(key, std::chrono::steady_clock::now(), window);
            c.global = std::max(c.global, count);
            c.window_end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ttl_ms);
            estimate = c.global + c.pending;
        }
        co_return Decide(limit, std::max(count, estimate), std::chrono::milliseconds(ttl_ms));
    }

private:
    struct Caller {
        std::int64_t global = 0;   // last count Redis reported for the window
        std::int64_t pending = 0;  // local hits not yet sent
        std::chrono::steady_clock::time_point last_sync{};
        std::chrono::steady_clock::time_point window_end{};
    };

    // The caller's state for the current window (reset when the window has passed).
    Caller& Track(const std::string& key, std::chrono::steady_clock::time_point now,
                  std::chrono::milliseconds window) {
        if (callers_.size() >= kMaxTrackedCallers && !callers_.count(key)) {
            for (auto it = callers_.begin(); it != callers_.end();) {
                it = it->second.window_end <= now ? callers_.erase(it) : std::next(it);
            }
            if (callers_.size() >= kMaxTrackedCallers) callers_.clear();
        }
        Caller& c = callers_[key];
        if (c.window_end <= now) {
            c = Caller{};
            c.window_end = now + window;
        }
        return c;
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

    std::shared_ptr<RedisClient> client_;
    std::mutex mu_;
    std::unordered_map<std::string, Caller> callers_;
};

}  // namespace

std::unique_ptr<ports::RateLimiter> MakeRedisRateLimiter(std::shared_ptr<RedisClient> client) {
    return std::make_unique<RedisRateLimiter>(std::move(client));
}

}  // namespace ivs::adapters::redis
