#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "ports/history_store.hpp"

namespace ivs::adapters::history {

// A fixed set of threads, each owning one `Conn` (a database connection), fed from one bounded
// queue. Database drivers block; running them here keeps the I/O threads free. Submit and the
// Run* helpers are thread-safe. Stop() finishes the queued jobs, then joins.
template <class Conn>
class WorkerPool {
public:
    using Job = std::function<void(Conn&)>;

    WorkerPool(int threads, std::size_t queue_cap, std::function<std::unique_ptr<Conn>()> make)
        : cap_(queue_cap) {
        for (int i = 0; i < threads; ++i) {
            threads_.emplace_back([this, conn = make()]() mutable { Loop(*conn); });
        }
    }
    ~WorkerPool() { Stop(); }
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Threads, threads running a job, jobs waiting.
    ports::StorePoolState State() const {
        std::lock_guard lock(mu_);
        return {static_cast<int>(threads_.size()), busy_, queue_.size()};
    }

    // False when the queue is full or the pool stopped (the job is dropped).
    bool Submit(Job job) {
        {
            std::lock_guard lock(mu_);
            if (stopped_ || queue_.size() >= cap_) return false;
            queue_.push_back(std::move(job));
        }
        cv_.notify_one();
        return true;
    }

    void Stop() {
        {
            std::lock_guard lock(mu_);
            if (stopped_) return;
            stopped_ = true;
        }
        cv_.notify_all();
        for (auto& t : threads_) {
            if (t.joinable()) t.join();
        }
    }

private:
    void Loop(Conn& conn) {
        for (;;) {
            Job job;
            {
                std::unique_lock lock(mu_);
                cv_.wait(lock, [&] { return stopped_ || !queue_.empty(); });
                if (queue_.empty()) return;
                job = std::move(queue_.front());
                queue_.pop_front();
                ++busy_;
            }
            job(conn);
            std::lock_guard lock(mu_);
            --busy_;
        }
    }

    std::size_t cap_;
    mutable std::mutex mu_;
    int busy_ = 0;
    std::condition_variable cv_;
    std::deque<Job> queue_;
    bool stopped_ = false;
    std::vector<std::thread> threads_;
};

inline Error PoolBusy() {
    return Error(Errc::unavailable, "History store is overloaded, try again later");
}

// Runs `fn(Conn&) -> Result<T>` on the pool and resumes the calling coroutine on its own
// executor with the result.
template <class T, class Conn, class F>
boost::asio::awaitable<Result<T>> RunOn(WorkerPool<Conn>& pool, F fn) {
    namespace asio = boost::asio;
    return asio::async_initiate<decltype(asio::use_awaitable), void(Result<T>)>(
        [&pool](auto handler, F fn) {
            auto ex = asio::prefer(asio::get_associated_executor(handler),
                                   asio::execution::outstanding_work.tracked);
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            // The handler is moved out before it is posted back, so only the caller's executor
            // ever runs or destroys a live handler (the shared_ptr exists because std::function
            // needs a copyable job).
            bool queued = pool.Submit([shared, ex, fn = std::move(fn)](Conn& conn) mutable {
                Result<T> r = fn(conn);
                asio::post(ex, [h = std::move(*shared), r = std::move(r)]() mutable {
                    std::move(h)(std::move(r));
                });
            });
            if (!queued) {
                asio::post(ex, [h = std::move(*shared)]() mutable {
                    std::move(h)(Result<T>(PoolBusy()));
                });
            }
        },
        asio::use_awaitable, std::move(fn));
}

// Same, blocking the calling thread (start-up, CLI, the outbox thread).
template <class T, class Conn, class F>
Result<T> RunSync(WorkerPool<Conn>& pool, F fn) {
    auto promise = std::make_shared<std::promise<Result<T>>>();
    auto future = promise->get_future();
    bool queued = pool.Submit(
        [promise, fn = std::move(fn)](Conn& conn) mutable { promise->set_value(fn(conn)); });
    if (!queued) return PoolBusy();
    return future.get();
}

}  // namespace ivs::adapters::history
