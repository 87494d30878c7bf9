#include "ws/hub.hpp"

#include <vector>

namespace ivs::ws {

bool Hub::TryReserve() {
    std::size_t current = reserved_.load();
    while (current < max_connections_) {
        if (reserved_.compare_exchange_weak(current, current + 1)) return true;
    }
    return false;
}

void Hub::Release() { reserved_.fetch_sub(1); }

void Hub::Join(const std::shared_ptr<Subscriber>& subscriber) {
    std::lock_guard lock(mu_);
    members_[subscriber.get()].subscriber = subscriber;
}

void Hub::Leave(Subscriber* subscriber) {
    std::shared_ptr<Subscriber> keep;  // destroyed after the lock is released
    std::lock_guard lock(mu_);
    auto it = members_.find(subscriber);
    if (it == members_.end()) return;
    for (const auto& channel : it->second.channels) {
        auto c = channels_.find(channel);
        if (c == channels_.end()) continue;
        c->second.erase(subscriber);
        if (c->second.empty()) channels_.erase(c);
    }
    keep = std::move(it->second.subscriber);
    members_.erase(it);
}

bool Hub::Subscribe(Subscriber* subscriber, const std::string& channel) {
    std::lock_guard lock(mu_);
    auto it = members_.find(subscriber);
    if (it == members_.end()) return false;
    if (it->second.channels.count(channel)) return true;
    if (it->second.channels.size() >= kMaxChannelsPerSubscriber) return false;
    it->second.channels.insert(channel);
    channels_[channel].insert(subscriber);
    return true;
}

void Hub::Unsubscribe(Subscriber* subscriber, const std::string& channel) {
    std::lock_guard lock(mu_);
    auto it = members_.find(subscriber);
    if (it == members_.end()) return;
    it->second.channels.erase(channel);
    auto c = channels_.find(channel);
    if (c == channels_.end()) return;
    c->second.erase(subscriber);
    if (c->second.empty()) channels_.erase(c);
}

std::size_t Hub::Publish(const std::string& channel, const Message& message) {
    std::vector<std::shared_ptr<Subscriber>> recipients;
    {
        std::lock_guard lock(mu_);
        auto c = channels_.find(channel);
        if (c == channels_.end()) return 0;
        recipients.reserve(c->second.size());
        for (Subscriber* s : c->second) recipients.push_back(members_[s].subscriber);
    }
    for (const auto& r : recipients) r->Deliver(message);
    return recipients.size();
}

std::size_t Hub::Publish(const std::vector<std::string>& channels, const Message& message) {
    std::vector<std::shared_ptr<Subscriber>> recipients;
    {
        std::lock_guard lock(mu_);
        std::set<Subscriber*> unique;
        for (const auto& channel : channels) {
            auto c = channels_.find(channel);
            if (c != channels_.end()) unique.insert(c->second.begin(), c->second.end());
        }
        recipients.reserve(unique.size());
        for (Subscriber* s : unique) recipients.push_back(members_[s].subscriber);
    }
    for (const auto& r : recipients) r->Deliver(message);
    return recipients.size();
}

std::size_t Hub::SubscriberCount(const std::string& channel) const {
    std::lock_guard lock(mu_);
    auto c = channels_.find(channel);
    return c == channels_.end() ? 0 : c->second.size();
}

std::size_t Hub::Joined() const {
    std::lock_guard lock(mu_);
    return members_.size();
}

void Hub::CloseAll() {
    std::vector<std::shared_ptr<Subscriber>> all;
    {
        std::lock_guard lock(mu_);
        for (const auto& [ptr, m] : members_) all.push_back(m.subscriber);
    }
    for (const auto& s : all) s->CloseGoingAway();
}

}  // namespace ivs::ws
