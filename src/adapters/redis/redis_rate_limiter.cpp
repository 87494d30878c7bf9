#include "adapters/redis/redis_rate_limiter.hpp"

#include <algorithm>

namespace ivs::adapters::redis {
namespace {

// KEYS: counter. ARGV: window ms. Returns {count, ms left in the window}.
const RedisScript& HitScript() {
    static const RedisScript s(R"lua(
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
)lua");
    return s;
}

class RedisRateLimiter final : public http::RateLimiter {
public:
    explicit RedisRateLimiter(std::shared_ptr<RedisClient> client) : client_(std::move(client)) {}

    boost::asio::awaitable<Result<http::RateDecision>> Hit(
        std::string key, int limit, std::chrono::milliseconds window) override {
        std::vector<std::string> keys{client_->KeyPrefix() + "ratelimit:{" + key + "}"};
        std::vector<std::string> args{std::to_string(std::max<std::int64_t>(1, window.count()))};
        auto r = co_await client_->Eval(HitScript(), std::move(keys), std::move(args));
        if (!r) co_return r.error();
        if (!r->IsArray() || r->elements.size() < 2) {
            co_return Error(Errc::internal, "Unexpected answer from Redis");
        }
        const auto count = r->elements[0].AsInt().value_or(0);
        const auto ttl_ms = r->elements[1].AsInt().value_or(0);
        http::RateDecision d;
        d.limit = limit;
        d.allowed = count <= limit;
        d.remaining = static_cast<int>(std::max<std::int64_t>(0, limit - count));
        d.reset_seconds = static_cast<int>((ttl_ms + 999) / 1000);
        co_return d;
    }

private:
    std::shared_ptr<RedisClient> client_;
};

}  // namespace

std::unique_ptr<http::RateLimiter> MakeRedisRateLimiter(std::shared_ptr<RedisClient> client) {
    return std::make_unique<RedisRateLimiter>(std::move(client));
}

}  // namespace ivs::adapters::redis
