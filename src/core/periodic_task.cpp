#include "core/periodic_task.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/background.hpp"

namespace ivs {
namespace asio = boost::asio;

PeriodicTask::PeriodicTask(Strand strand, Options options, Step step)
    : strand_(std::move(strand)),
      timer_(strand_),
      options_(std::move(options)),
      step_(std::move(step)) {}

void PeriodicTask::Spawn(std::function<void()> keep_alive) {
    if (stopping_ || started_.exchange(true)) return;
    running_ = true;
    auto on_exit = [self = shared_from_this(),
                    keep_alive = std::move(keep_alive)](std::exception_ptr e) {
        LoopExited(self->running_, self->options_.name, e);
    };
    asio::co_spawn(
        strand_, [self = shared_from_this()] { return self->Loop(); },
        asio::bind_cancellation_slot(cancel_.slot(), std::move(on_exit)));
}

void PeriodicTask::Trigger() {
    triggered_ = true;
    // A trigger the loop has already taken (it skipped the wait) must not cut the next wait short.
    asio::post(strand_, [self = shared_from_this()] {
        if (self->triggered_) self->timer_.cancel();
    });
}

void PeriodicTask::RequestStop() {
    stopping_ = true;
    asio::post(strand_, [self = shared_from_this()] { self->timer_.cancel(); });
}

asio::awaitable<void> PeriodicTask::Stop() {
    auto self = shared_from_this();
    RequestStop();
    // Polled from the caller's executor: the loop's strand may be busy with the last step.
    const auto start = std::chrono::steady_clock::now();
    const auto& limit = options_.stop_wait;
    auto waited_enough = [&] {
        return limit && std::chrono::steady_clock::now() - start >= *limit;
    };
    asio::steady_timer wait(co_await asio::this_coro::executor);
    while (running_ && !waited_enough()) {
        wait.expires_after(std::chrono::milliseconds(10));
        co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (!running_ || !options_.cancel_after_stop_wait) co_return;
    asio::post(strand_, [self] { self->cancel_.emit(asio::cancellation_type::terminal); });
    // The cancelled operations complete promptly; a step that ignores cancellation is left.
    for (int i = 0; i < 100 && running_; ++i) {
        wait.expires_after(std::chrono::milliseconds(10));
        co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

asio::awaitable<void> PeriodicTask::StopAll(std::vector<std::shared_ptr<PeriodicTask>> tasks) {
    for (const auto& task : tasks) task->RequestStop();
    for (const auto& task : tasks) co_await task->Stop();
}

asio::awaitable<void> PeriodicTask::Loop() {
    Wait wait = options_.first_wait;
    while (!stopping_) {
        // A trigger during the step asks for the next one at once.
        if (wait > Wait::zero() && !triggered_) {
            timer_.expires_after(wait);
            co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        if (stopping_ && !options_.step_on_stop) break;
        triggered_ = false;
        try {
            wait = co_await RunStep();
        } catch (const boost::system::system_error& e) {
            // Stop cancelled a step that outlived its stop wait (cancel_after_stop_wait).
            if (!stopping_ || e.code() != asio::error::operation_aborted) throw;
            spdlog::warn("{}: the step still running at stop was cancelled", options_.name);
            co_return;
        }
    }
}

asio::awaitable<PeriodicTask::Wait> PeriodicTask::RunStep() {
    if (!options_.after_throw) co_return co_await step_();
    try {
        co_return co_await step_();
    } catch (const std::exception& e) {
        spdlog::error("{} failed: {}", options_.name, e.what());
    }
    co_return *options_.after_throw;
}

}  // namespace ivs
