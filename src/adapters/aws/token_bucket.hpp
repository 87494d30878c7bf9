#pragma once

// Client-side request pacing for AWS APIs with per-operation TPS quotas. A caller reserves a
// slot; when the bucket is empty the reservation is granted for a later moment and the caller
// waits for it asynchronously (a timer, never a blocked thread). The number of waiting callers
// and the longest wait are capped: beyond them the reservation is refused at once.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <mutex>
#include <optional>

#include "core/error.hpp"

namespace ivs::aws {

// Thread-safe.
class TokenBucket {
public:
    // `rate` tokens per second, up to `burst` stored (at least 1).
    TokenBucket(double rate, double burst, int max_waiters = 64,
                std::chrono::milliseconds max_wait = std::chrono::seconds(10));

    // Waits for a slot. Errors: Errc::rate_limited when the wait queue is full or the wait would
    // exceed max_wait (retry_after_seconds set).
    boost::asio::awaitable<Status> Acquire();

    double rate() const { return rate_; }
    int waiting() const;

private:
    using Steady = std::chrono::steady_clock;
    // Returns the delay before the caller may go, or nothing when refused.
    std::optional<std::chrono::nanoseconds> Reserve();
    void DoneWaiting();

    const double rate_;
    const double burst_;
    const int max_waiters_;
    const std::chrono::milliseconds max_wait_;
    mutable std::mutex mutex_;
    double tokens_;
    Steady::time_point last_;
    int waiters_ = 0;
};

}  // namespace ivs::aws
