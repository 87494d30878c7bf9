#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adapters/redis/redis_client.hpp"

namespace ivs::adapters::redis {

// Runs many calls of one script as a single EVALSHA, like a database's group commit: a call
// made while `max_in_flight` batches are already in Redis waits, and the waiting calls go
// together in the next batch (at most `max_batch` calls). Nothing waits on a timer: an idle
// batcher sends a call at once, and batches grow only when Redis is the bottleneck, which is
// when running the script once for many calls pays off.
//
// The script receives `leading_args` and then each call's arguments in turn (every call passes
// the same number of arguments), and returns an array with one reply per call, in order.
//
// A waiting call is resumed either with its reply or with the lead of the next batch: no
// background task exists. Calls past `max_queue` waiting fail at once with Errc::unavailable.
// Thread-safe.
class ScriptBatcher {
public:
    struct Limits {
        std::size_t max_batch = 64;
        std::size_t max_in_flight = 2;
        std::size_t max_queue = 20000;
    };

    ScriptBatcher(std::shared_ptr<RedisClient> client, const RedisScript& script,
                  std::vector<std::string> leading_args, Limits limits);

    boost::asio::awaitable<Result<RedisReply>> Call(std::vector<std::string> args);

private:
    // How a waiting call is resumed: with its reply, or (no reply) to lead the next batch.
    using Outcome = std::optional<Result<RedisReply>>;

    struct Slot {
        virtual ~Slot() = default;
        virtual void Resume(Outcome outcome) = 0;
    };

    template <class Handler>
    struct HandlerSlot final : Slot {
        explicit HandlerSlot(Handler h) : handler(std::move(h)) {}
        void Resume(Outcome outcome) override {
            // Posted: the waiting coroutine resumes on its own executor, never inside the
            // batch that finished.
            auto ex = boost::asio::get_associated_executor(handler);
            boost::asio::post(ex, [h = std::move(handler), o = std::move(outcome)]() mutable {
                std::move(h)(std::move(o));
            });
        }
        Handler handler;
    };

    struct Waiter {
        std::vector<std::string>* args;  // in the waiting coroutine's frame
        std::unique_ptr<Slot> slot;
    };

    // Queues the call, or makes it the leader when a batch may start now.
    template <class Handler>
    void Enqueue(Handler handler, std::vector<std::string>* args) {
        std::unique_lock lock(mu_);
        auto slot = std::make_unique<HandlerSlot<Handler>>(std::move(handler));
        if (in_flight_ < limits_.max_in_flight) {
            ++in_flight_;
            lock.unlock();
            slot->Resume(Outcome());
        } else if (queue_.size() >= limits_.max_queue) {
            lock.unlock();
            slot->Resume(Result<RedisReply>(Error(Errc::unavailable, "Redis batch queue is full")));
        } else {
            queue_.push_back(Waiter{args, std::move(slot)});
        }
    }

    boost::asio::awaitable<Result<RedisReply>> Lead(std::vector<std::string> args);

    std::shared_ptr<RedisClient> client_;
    const RedisScript& script_;
    std::vector<std::string> leading_args_;
    Limits limits_;
    std::mutex mu_;
    std::size_t in_flight_ = 0;
    std::deque<Waiter> queue_;
};

// One ScriptBatcher per I/O thread (core/lane.hpp): `main` for the main thread (lane 0) and
// `lanes[i - 1]` for lane i, each a client made on that thread's io_context. A call is batched
// and sent on its own thread's connection and resumes there, with no thread hand-off; `main`
// takes the calls of a thread whose own connection is down. `limits.max_queue` is each
// client's max_pending.
class LaneBatchers {
public:
    LaneBatchers(std::shared_ptr<RedisClient> main,
                 std::vector<std::shared_ptr<RedisClient>> lanes, const RedisScript& script,
                 const std::vector<std::string>& leading_args, ScriptBatcher::Limits limits);

    ScriptBatcher& ForThisThread();

private:
    struct Lane {
        std::shared_ptr<RedisClient> client;
        std::unique_ptr<ScriptBatcher> batch;
    };
    std::vector<Lane> lanes_;
};

}  // namespace ivs::adapters::redis
