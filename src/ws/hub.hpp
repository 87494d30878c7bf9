#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace ivs::ws {

using Message = std::shared_ptr<const std::string>;

// One connected client as the hub sees it. Deliver and CloseGoingAway must not block: they
// hand the work to the connection's own strand.
class Subscriber {
public:
    virtual ~Subscriber() = default;
    virtual void Deliver(Message message) = 0;
    virtual void CloseGoingAway() = 0;
};

// Who listens to which channel ("stats", "stage:<arn>"). Publish copies the recipient list under
// the lock and delivers outside it, so a slow recipient never holds the hub. Thread-safe.
class Hub {
public:
    static constexpr std::size_t kMaxChannelsPerSubscriber = 64;

    explicit Hub(std::size_t max_connections) : max_connections_(max_connections) {}

    // Reserves a connection slot; false when WS_MAX_CONNECTIONS are already open. A successful
    // reservation must be returned with Release().
    bool TryReserve();
    void Release();

    void Join(const std::shared_ptr<Subscriber>& subscriber);
    // Removes the subscriber from the hub and every channel. Idempotent.
    void Leave(Subscriber* subscriber);

    // False when the subscriber has too many channels or is not joined.
    bool Subscribe(Subscriber* subscriber, const std::string& channel);
    void Unsubscribe(Subscriber* subscriber, const std::string& channel);

    // Delivers to every subscriber of the channel; returns how many.
    std::size_t Publish(const std::string& channel, const Message& message);
    // Delivers once to every subscriber of any of the channels; returns how many.
    std::size_t Publish(const std::vector<std::string>& channels, const Message& message);
    std::size_t SubscriberCount(const std::string& channel) const;

    std::size_t Connections() const { return reserved_.load(); }
    std::size_t Joined() const;

    // Asks every client to close with 1001 (going away).
    void CloseAll();

private:
    struct Member {
        std::shared_ptr<Subscriber> subscriber;
        std::set<std::string> channels;
    };

    const std::size_t max_connections_;
    std::atomic<std::size_t> reserved_{0};
    mutable std::mutex mu_;
    std::unordered_map<Subscriber*, Member> members_;
    std::unordered_map<std::string, std::set<Subscriber*>> channels_;
};

}  // namespace ivs::ws
