#include "adapters/redis/redis_event_bus.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "adapters/redis/redis_connection.hpp"

namespace ivs::adapters::redis {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

class RedisEventBusImpl final : public RedisEventBus,
                                public std::enable_shared_from_this<RedisEventBusImpl> {
public:
    RedisEventBusImpl(asio::io_context& ioc, std::shared_ptr<RedisClient> client,
                      std::string instance_id)
        : ioc_(ioc),
          client_(std::move(client)),
          instance_id_(std::move(instance_id)),
          channel_(client_->KeyPrefix() + "events") {}

    void Start() {
        std::weak_ptr<RedisEventBusImpl> weak = weak_from_this();
        subscriber_ = std::make_shared<Connection>(
            ioc_, client_->Options(), nullptr,
            [weak](RedisReply reply) {
                if (auto self = weak.lock()) self->OnPush(reply);
            },
            std::vector<std::vector<std::string>>{{"SUBSCRIBE", channel_}});
        subscriber_->Start();
    }

    void Stop() override {
        if (subscriber_) subscriber_->Stop();
    }

    void Publish(ports::LiveEvent event) override {
        Deliver(event);
        if (in_flight_.fetch_add(1) >= kMaxInFlight) {
            in_flight_.fetch_sub(1);
            dropped_.fetch_add(1);
            return;
        }
        json::object o{{"origin", instance_id_}, {"type", event.type}, {"data", event.data}};
        std::vector<std::string> args{"PUBLISH", channel_, json::serialize(o)};
        asio::co_spawn(
            ioc_,
            [self = shared_from_this(), args = std::move(args)]() mutable {
                return self->Send(std::move(args));
            },
            asio::detached);
    }

    void Subscribe(Listener listener) override {
        std::lock_guard lock(mu_);
        listeners_.push_back(std::move(listener));
    }

    std::uint64_t Dropped() const override { return dropped_.load(); }

private:
    asio::awaitable<void> Send(std::vector<std::string> args) {
        auto r = co_await client_->Command(std::move(args));
        in_flight_.fetch_sub(1);
        if (!r) dropped_.fetch_add(1);
    }

    void OnPush(const RedisReply& reply) {
        // ["message", channel, payload]; subscribe confirmations are ignored.
        if (!reply.IsArray() || reply.elements.size() < 3 || reply.elements[0].str != "message") {
            return;
        }
        boost::system::error_code ec;
        json::value v = json::parse(reply.elements[2].str, ec);
        if (ec || !v.is_object()) return;
        const auto& o = v.as_object();
        auto* origin = o.if_contains("origin");
        if (origin && origin->is_string() && origin->as_string() == instance_id_) return;
        ports::LiveEvent event;
        if (auto* t = o.if_contains("type"); t && t->is_string()) event.type = t->as_string();
        if (auto* d = o.if_contains("data"); d && d->is_object()) event.data = d->as_object();
        Deliver(event);
    }

    void Deliver(const ports::LiveEvent& event) {
        std::vector<Listener> listeners;
        {
            std::lock_guard lock(mu_);
            listeners = listeners_;
        }
        for (const auto& l : listeners) {
            try {
                l(event);
            } catch (const std::exception& e) {
                spdlog::warn("live event listener failed: {}", e.what());
            }
        }
    }

    asio::io_context& ioc_;
    std::shared_ptr<RedisClient> client_;
    std::string instance_id_;
    std::string channel_;
    std::shared_ptr<Connection> subscriber_;
    std::mutex mu_;
    std::vector<Listener> listeners_;
    std::atomic<int> in_flight_{0};
    std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace

std::shared_ptr<RedisEventBus> MakeRedisEventBus(asio::io_context& ioc,
                                                 std::shared_ptr<RedisClient> client,
                                                 std::string instance_id) {
    auto bus = std::make_shared<RedisEventBusImpl>(ioc, std::move(client), std::move(instance_id));
    bus->Start();
    return bus;
}

}  // namespace ivs::adapters::redis
