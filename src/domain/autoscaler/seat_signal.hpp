#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>

namespace ivs::autoscaler {

// A generation counter that coroutines can wait on: Notify() bumps it and wakes every waiter
// at once (no polling). A Notify between reading the generation and starting to wait is never
// lost. Thread-safe.
class SeatSignal {
public:
    std::uint64_t Generation() const { return generation_.load(); }
    void Notify();
    // Returns once the generation differs from `seen`, or after `timeout`.
    boost::asio::awaitable<void> Wait(std::uint64_t seen, std::chrono::milliseconds timeout);
    std::size_t Waiters() const;

private:
    using Channel = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;

    std::atomic<std::uint64_t> generation_{0};
    mutable std::mutex mu_;
    std::set<std::shared_ptr<Channel>> waiters_;
};

}  // namespace ivs::autoscaler
