#pragma once

#include <memory>

#include "adapters/redis/redis_client.hpp"
#include "ports/rate_limiter.hpp"

namespace ivs::adapters::redis {

// Fixed-window counters shared by every instance: one script does INCRBY and sets the window's
// expiry on the first hit. Far below a large limit, hits are batched locally (one INCRBY per
// caller per 100 ms) so most requests cost no Redis round trip; near the limit, and for limits
// under 100, every hit is counted in Redis. Errors (Redis down) are returned; the HTTP pipeline
// fails open. Thread-safe; remembers at most 100,000 callers.
std::unique_ptr<ports::RateLimiter> MakeRedisRateLimiter(std::shared_ptr<RedisClient> client);

}  // namespace ivs::adapters::redis
