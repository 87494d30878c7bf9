#include "adapters/ivs/event_delivery.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace ivs::emulator {
namespace asio = boost::asio;

EventDelivery::EventDelivery(asio::any_io_executor executor, Deliver deliver, Options options)
    : strand_(asio::make_strand(executor)),
      wake_(strand_),
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
    asio::post(strand_, [self = shared_from_this()] { self->wake_.cancel(); });
}

void EventDelivery::Start() {
    running_ = true;
    asio::co_spawn(strand_, [self = shared_from_this()] { return self->Run(); }, asio::detached);
}

asio::awaitable<void> EventDelivery::Stop() {
    stopping_ = true;
    asio::post(strand_, [self = shared_from_this()] { self->wake_.cancel(); });
    asio::steady_timer wait(co_await asio::this_coro::executor);
    for (int i = 0; i < 200 && running_; ++i) {
        wait.expires_after(std::chrono::milliseconds(10));
        co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

asio::awaitable<void> EventDelivery::Run() {
    while (!stopping_) {
        std::optional<boost::json::object> next;
        {
            std::lock_guard lock(mu_);
            if (!queue_.empty()) {
                next = std::move(queue_.front());
                queue_.pop_front();
            }
        }
        if (!next) {
            wake_.expires_after(std::chrono::seconds(1));
            co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        co_await DeliverWithRetries(*next);
    }
    running_ = false;
}

asio::awaitable<void> EventDelivery::DeliverWithRetries(const boost::json::object& event) {
    auto backoff = options_.first_backoff;
    asio::steady_timer timer(strand_);
    for (int attempt = 1; attempt <= options_.max_attempts && !stopping_; ++attempt) {
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
