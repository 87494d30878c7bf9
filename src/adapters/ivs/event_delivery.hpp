#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "core/periodic_task.hpp"

namespace ivs::emulator {

// Delivers the emulator's EventBridge events one at a time, in order, the way an EventBridge
// API destination does: at least once (a failed delivery is retried with exponential backoff),
// from a bounded queue (when full, the oldest event is dropped and counted).
// Push is thread-safe and never blocks, so it can be the emulator's EventSink.
class EventDelivery : public std::enable_shared_from_this<EventDelivery> {
public:
    enum class Outcome { delivered, rejected, retry };  // rejected: dropped, never retried
    using Deliver = std::function<boost::asio::awaitable<Outcome>(const boost::json::object&)>;

    struct Options {
        std::size_t max_queue = 10'000;
        int max_attempts = 8;
        std::chrono::milliseconds first_backoff{200};
        std::chrono::milliseconds max_backoff{10'000};
    };

    EventDelivery(boost::asio::any_io_executor executor, Deliver deliver, Options options);

    void Push(boost::json::object event);
    void Start();
    // Stops after the event in flight; what is still queued is dropped.
    boost::asio::awaitable<void> Stop();

    std::uint64_t Delivered() const { return delivered_; }
    std::uint64_t Dropped() const { return dropped_; }

private:
    // Delivers the oldest queued event; returns the wait before looking at the queue again.
    boost::asio::awaitable<PeriodicTask::Wait> DeliverNext();
    boost::asio::awaitable<void> DeliverWithRetries(const boost::json::object& event);

    const std::shared_ptr<PeriodicTask> deliveries_;  // woken by Push
    Deliver deliver_;
    Options options_;
    std::mutex mu_;
    std::deque<boost::json::object> queue_;
    std::atomic<std::uint64_t> delivered_{0};
    std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace ivs::emulator
