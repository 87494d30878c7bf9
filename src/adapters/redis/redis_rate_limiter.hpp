#pragma once

#include <memory>

#include "adapters/redis/redis_client.hpp"
#include "http/rate_limiter.hpp"

namespace ivs::adapters::redis {

// Fixed-window counters shared by every instance: one script does INCR and sets the window's
// expiry on the first hit. Errors (Redis down) are returned; the HTTP pipeline fails open.
// Thread-safe.
std::unique_ptr<http::RateLimiter> MakeRedisRateLimiter(std::shared_ptr<RedisClient> client);

}  // namespace ivs::adapters::redis
