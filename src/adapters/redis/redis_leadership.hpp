#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "adapters/redis/redis_client.hpp"
#include "ports/leadership.hpp"

namespace ivs::adapters::redis {

// Leadership through a Redis lease: `SET Pleader <instance> NX PX <lease>` acquires it (the
// fencing token is an INCR made in the same script), a compare-and-extend script renews it every
// lease/3. Another instance takes over within `lease` after the holder dies. A holder that cannot
// renew steps down on its own after 2/3 of the lease, before the lease lapses in Redis, so two
// instances never both believe they lead. Thread-safe.
class RedisLeadership final : public ports::Leadership,
                              public std::enable_shared_from_this<RedisLeadership> {
public:
    RedisLeadership(boost::asio::io_context& ioc, std::shared_ptr<RedisClient> client,
                    std::string instance_id, std::chrono::milliseconds lease);

    // Starts campaigning (on the io_context).
    void Start();
    // Stops campaigning and releases the lease if held.
    boost::asio::awaitable<void> Stop();

    bool IsLeader() const override { return leader_.load(); }
    std::uint64_t FencingToken() const override { return leader_.load() ? token_.load() : 0; }
    const std::string& InstanceId() const override { return instance_id_; }

private:
    boost::asio::awaitable<void> Run();
    boost::asio::awaitable<void> Tick();

    boost::asio::io_context& ioc_;
    std::shared_ptr<RedisClient> client_;
    std::string instance_id_;
    std::chrono::milliseconds lease_;
    std::string key_, fence_key_;
    std::atomic<bool> leader_{false};
    std::atomic<std::uint64_t> token_{0};
    std::atomic<bool> stopped_{false};
    std::chrono::steady_clock::time_point last_renewed_{};
};

}  // namespace ivs::adapters::redis
