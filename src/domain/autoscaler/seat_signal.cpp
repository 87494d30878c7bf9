#include "domain/autoscaler/seat_signal.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ivs::autoscaler {

namespace asio = boost::asio;

void SeatSignal::Notify() {
    std::lock_guard lock(mu_);
    ++generation_;
    // Capacity 1: a signal sent before its waiter starts receiving is kept for it.
    for (const auto& w : waiters_) w->try_send(boost::system::error_code{});
}

std::size_t SeatSignal::Waiters() const {
    std::lock_guard lock(mu_);
    return waiters_.size();
}

asio::awaitable<void> SeatSignal::Wait(std::uint64_t seen, std::chrono::milliseconds timeout) {
    using namespace asio::experimental::awaitable_operators;
    auto executor = co_await asio::this_coro::executor;
    auto channel = std::make_shared<Channel>(executor, 1);
    {
        std::lock_guard lock(mu_);
        if (generation_.load() != seen) co_return;
        waiters_.insert(channel);
    }
    asio::steady_timer timer(executor, timeout);
    co_await (channel->async_receive(asio::as_tuple(asio::use_awaitable)) ||
              timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    std::lock_guard lock(mu_);
    waiters_.erase(channel);
}

}  // namespace ivs::autoscaler
