#include "adapters/redis/redis_leadership.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace ivs::adapters::redis {
namespace asio = boost::asio;

namespace {

// KEYS: lease, fence. ARGV: instance, lease ms. Returns the fencing token, or 0 when another
// instance holds the lease.
const RedisScript& AcquireScript() {
    static const RedisScript s(R"lua(
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return redis.call('INCR', KEYS[2])
end
return 0
)lua");
    return s;
}

// KEYS: lease. ARGV: instance, lease ms. 1 when extended, 0 when the lease is someone else's.
const RedisScript& RenewScript() {
    static const RedisScript s(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
)lua");
    return s;
}

const RedisScript& ReleaseScript() {
    static const RedisScript s(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua");
    return s;
}

}  // namespace

RedisLeadership::RedisLeadership(asio::io_context& ioc, std::shared_ptr<RedisClient> client,
                                 std::string instance_id, std::chrono::milliseconds lease)
    : ioc_(ioc),
      client_(std::move(client)),
      instance_id_(std::move(instance_id)),
      lease_(lease),
      key_(client_->KeyPrefix() + "{leader}"),
      fence_key_(client_->KeyPrefix() + "{leader}:fence") {}

void RedisLeadership::Start() {
    asio::co_spawn(ioc_, [self = shared_from_this()]() { return self->Run(); }, asio::detached);
}

asio::awaitable<void> RedisLeadership::Run() {
    auto self = shared_from_this();
    asio::steady_timer timer(ioc_);
    auto period = std::max(lease_ / 3, std::chrono::milliseconds(100));
    while (!stopped_.load()) {
        co_await Tick();
        timer.expires_after(period);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

asio::awaitable<void> RedisLeadership::Tick() {
    const auto sent = std::chrono::steady_clock::now();
    const std::string lease_ms = std::to_string(lease_.count());
    if (!leader_.load()) {
        std::vector<std::string> keys{key_, fence_key_};
        std::vector<std::string> args{instance_id_, lease_ms};
        auto r = co_await client_->Eval(AcquireScript(), std::move(keys), std::move(args));
        if (r && r->integer > 0 && !stopped_.load()) {
            token_ = static_cast<std::uint64_t>(r->integer);
            last_renewed_ = sent;
            leader_ = true;
            spdlog::info("instance {} is now the leader (fencing token {})", instance_id_,
                         r->integer);
        }
        co_return;
    }
    std::vector<std::string> keys{key_};
    std::vector<std::string> args{instance_id_, lease_ms};
    auto r = co_await client_->Eval(RenewScript(), std::move(keys), std::move(args));
    if (r && r->integer == 1) {
        last_renewed_ = sent;
        co_return;
    }
    if (r) {
        leader_ = false;
        spdlog::warn("instance {} lost the leader lease to another instance", instance_id_);
    } else if (std::chrono::steady_clock::now() - last_renewed_ >= lease_ * 2 / 3) {
        // The lease may lapse in Redis soon: stop acting as leader before anyone else can start.
        leader_ = false;
        spdlog::warn("instance {} steps down: cannot renew the leader lease ({})", instance_id_,
                     r.error().message);
    }
}

asio::awaitable<void> RedisLeadership::Stop() {
    stopped_ = true;
    if (!leader_.exchange(false)) co_return;
    std::vector<std::string> keys{key_};
    std::vector<std::string> args{instance_id_};
    co_await client_->Eval(ReleaseScript(), std::move(keys), std::move(args));
}

}  // namespace ivs::adapters::redis
