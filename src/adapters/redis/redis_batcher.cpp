#include "adapters/redis/redis_batcher.hpp"

#include <iterator>

#include "core/lane.hpp"

namespace ivs::adapters::redis {
namespace asio = boost::asio;

ScriptBatcher::ScriptBatcher(std::shared_ptr<RedisClient> client, const RedisScript& script,
                             std::vector<std::string> leading_args, Limits limits)
    : client_(std::move(client)),
      script_(script),
      leading_args_(std::move(leading_args)),
      limits_(limits) {
    if (limits_.max_batch == 0) limits_.max_batch = 1;
    if (limits_.max_in_flight == 0) limits_.max_in_flight = 1;
}

asio::awaitable<Result<RedisReply>> ScriptBatcher::Call(std::vector<std::string> args) {
    bool lead = false;
    {
        std::lock_guard lock(mu_);
        if (in_flight_ < limits_.max_in_flight) {
            ++in_flight_;
            lead = true;
        }
    }
    if (!lead) {
        // Named, not a temporary inside the co_await expression (GCC 12 coroutine temporaries).
        auto initiation = [this](auto handler, std::vector<std::string>* a) {
            Enqueue(std::move(handler), a);
        };
        Outcome outcome = co_await asio::async_initiate<const asio::use_awaitable_t<>&,
                                                         void(Outcome)>(
            std::move(initiation), asio::use_awaitable, &args);
        if (outcome) co_return std::move(*outcome);
    }
    co_return co_await Lead(std::move(args));
}

asio::awaitable<Result<RedisReply>> ScriptBatcher::Lead(std::vector<std::string> args) {
    std::vector<std::unique_ptr<Slot>> members;
    std::vector<std::string> all = leading_args_;
    all.insert(all.end(), std::make_move_iterator(args.begin()),
               std::make_move_iterator(args.end()));
    {
        std::lock_guard lock(mu_);
        while (!queue_.empty() && members.size() + 1 < limits_.max_batch) {
            Waiter& w = queue_.front();
            all.insert(all.end(), std::make_move_iterator(w.args->begin()),
                       std::make_move_iterator(w.args->end()));
            members.push_back(std::move(w.slot));
            queue_.pop_front();
        }
    }

    Result<RedisReply> r = Error(Errc::internal, "Redis batch did not run");
    try {
        std::vector<std::string> keys;
        r = co_await client_->Eval(script_, std::move(keys), std::move(all));
    } catch (const std::exception& e) {
        r = Error(Errc::unavailable, std::string("Redis batch failed: ") + e.what());
    }
    const std::size_t n = members.size() + 1;
    auto item = [&](std::size_t i) -> Result<RedisReply> {
        if (!r) return r.error();
        if (!r->IsArray() || r->elements.size() != n) {
            return Error(Errc::internal, "Unexpected answer from Redis");
        }
        return std::move(r->elements[i]);
    };
    Result<RedisReply> own = item(0);
    for (std::size_t i = 0; i < members.size(); ++i) members[i]->Resume(item(i + 1));

    // The oldest waiting call leads the next batch; otherwise the batch slot is given back.
    std::unique_ptr<Slot> next;
    {
        std::lock_guard lock(mu_);
        if (queue_.empty()) {
            --in_flight_;
        } else {
            next = std::move(queue_.front().slot);
            queue_.pop_front();
        }
    }
    if (next) next->Resume(Outcome());
    co_return own;
}

LaneBatchers::LaneBatchers(std::shared_ptr<RedisClient> main,
                           std::vector<std::shared_ptr<RedisClient>> lanes,
                           const RedisScript& script,
                           const std::vector<std::string>& leading_args,
                           ScriptBatcher::Limits limits) {
    lanes.insert(lanes.begin(), std::move(main));
    for (auto& c : lanes) {
        limits.max_queue = c->Options().max_pending;
        auto batch = std::make_unique<ScriptBatcher>(c, script, leading_args, limits);
        lanes_.push_back(Lane{std::move(c), std::move(batch)});
    }
}

ScriptBatcher& LaneBatchers::ForThisThread() {
    const auto lane = static_cast<std::size_t>(CurrentLane());
    if (lane > 0 && lane < lanes_.size() && lanes_[lane].client->Connected()) {
        return *lanes_[lane].batch;
    }
    return *lanes_.front().batch;
}

}  // namespace ivs::adapters::redis
