#include "adapters/ivs/event_delivery.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace ivs::emulator {
namespace asio = boost::asio;

EventDelivery::EventDelivery(asio::any_io_executor executor, Deliver deliver, Options options)
    : deliveries_(std::make_shared<PeriodicTask>(
          asio::make_strand(executor), PeriodicTask::Options{.name = "IVS event delivery"},
          [this] { return DeliverNext(); })),
      deliver_(std::move(deliver)),
      options_(options) {}

void EventDelivery::Push(boost::json::object event) {
    {
        std::lock_guard lock(mu_);
        if (queue_.size() >= options_.max_queue) {
            queue_.pop_front();
            ++dropped_;
        }
        queue_.push_back(std::move(event));
    }
    deliveries_->Trigger();
}

void EventDelivery::Start() { deliveries_->Start(shared_from_this()); }

asio::awaitable<void> EventDelivery::Stop() { co_await deliveries_->Stop(); }

asio::awaitable<PeriodicTask::Wait> EventDelivery::DeliverNext() {
    std::optional<boost::json::object> next;
    {
        std::lock_guard lock(mu_);
        if (!queue_.empty()) {
            next = std::move(queue_.front());
            queue_.pop_front();
        }
    }
    if (!next) co_return std::chrono::seconds(1);
    co_await DeliverWithRetries(*next);
    co_return PeriodicTask::Wait::zero();
}

asio::awaitable<void> EventDelivery::DeliverWithRetries(const boost::json::object& event) {
    auto backoff = options_.first_backoff;
    asio::steady_timer timer(deliveries_->Executor());
    for (int attempt = 1; attempt <= options_.max_attempts && !deliveries_->Stopping(); ++attempt) {
        Outcome outcome = Outcome::retry;
        try {
            outcome = co_await deliver_(event);
        } catch (const std::exception& e) {
            spdlog::warn("IVS event delivery failed: {}", e.what());
        }
        if (outcome == Outcome::delivered) {
            ++delivered_;
            co_return;
        }
        if (outcome == Outcome::rejected) break;
        timer.expires_after(backoff);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        backoff = std::min(backoff * 2, options_.max_backoff);
    }
    ++dropped_;
}

}  // namespace ivs::emulator
