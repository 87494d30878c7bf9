#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

#include "core/error.hpp"

namespace ivs::ports {

struct RateDecision {
    bool allowed = true;
    int limit = 0;
    int remaining = 0;
    int reset_seconds = 0;  // until the current window ends
};

// Counts requests per caller key in fixed windows. Implementations must be thread-safe.
// Errors (a shared counter store being down) are returned, and the caller decides to fail open.
class RateLimiter {
  public:
    virtual ~RateLimiter() = default;
    virtual boost::asio::awaitable<Result<RateDecision>> Hit(std::string key, int limit,
                                                             std::chrono::milliseconds window) = 0;
};

}  // namespace ivs::ports
