#include "adapters/aws/token_bucket.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cmath>
#include <optional>

namespace ivs::aws {

namespace asio = boost::asio;

TokenBucket::TokenBucket(double rate, double burst, int max_waiters,
                         std::chrono::milliseconds max_wait)
    : rate_(rate > 0 ? rate : 1),
      burst_(std::max(1.0, burst)),
      max_waiters_(max_waiters),
      max_wait_(max_wait),
      tokens_(std::max(1.0, burst)),
      last_(Steady::now()) {}

int TokenBucket::waiting() const {
    std::lock_guard lock(mutex_);
    return waiters_;
}

std::optional<std::chrono::nanoseconds> TokenBucket::Reserve() {
    std::lock_guard lock(mutex_);
    auto now = Steady::now();
    double elapsed = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    if (tokens_ >= 1) {
        tokens_ -= 1;
        return std::chrono::nanoseconds(0);
    }
    // Borrow from the future: the balance goes negative and each waiter's turn comes when the
    // refill has paid back everything reserved before it.
    double deficit = 1 - tokens_;
    auto delay = std::chrono::nanoseconds(static_cast<std::int64_t>(deficit / rate_ * 1e9));
    if (waiters_ >= max_waiters_ || delay > max_wait_) return std::nullopt;
    tokens_ -= 1;
    ++waiters_;
    return delay;
}

void TokenBucket::DoneWaiting() {
    std::lock_guard lock(mutex_);
    --waiters_;
}

asio::awaitable<Status> TokenBucket::Acquire() {
    auto delay = Reserve();
    if (!delay) {
        co_return Error(Errc::rate_limited,
                        "too many AWS calls are queued for this operation; try again shortly")
            .WithRetryAfter(static_cast<int>(std::ceil(1.0 / rate_)));
    }
    if (delay->count() == 0) co_return Ok();
    // Released even when the waiting coroutine is destroyed (shutdown).
    struct WaiterGuard {
        TokenBucket* bucket;
        ~WaiterGuard() { bucket->DoneWaiting(); }
    } guard{this};
    asio::steady_timer timer(co_await asio::this_coro::executor, *delay);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return Ok();
}

}  // namespace ivs::aws
