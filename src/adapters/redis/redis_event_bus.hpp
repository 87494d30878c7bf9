#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

#include "adapters/redis/redis_client.hpp"
#include "ports/event_bus.hpp"

namespace ivs::adapters::redis {

// Live events over Redis pub/sub (channel `Pevents`). Publish hands the event to local listeners
// at once and sends it to Redis in the background (never blocks; at most `kMaxInFlight` sends
// outstanding, the rest dropped and counted). One subscriber connection, reconnecting by itself,
// delivers other instances' events to the listeners on an I/O thread. Events sent in quick
// succession may arrive at other instances in a different order. Thread-safe.
class RedisEventBus : public ports::EventBus {
public:
    static constexpr int kMaxInFlight = 10'000;
    virtual void Stop() = 0;
    virtual std::uint64_t Dropped() const = 0;
};

std::shared_ptr<RedisEventBus> MakeRedisEventBus(boost::asio::io_context& ioc,
                                                 std::shared_ptr<RedisClient> client,
                                                 std::string instance_id);

}  // namespace ivs::adapters::redis
