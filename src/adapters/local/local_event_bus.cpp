#include "adapters/local/local_event_bus.hpp"

#include <mutex>
#include <vector>

namespace ivs::adapters {
namespace {

class LocalEventBus final : public ports::EventBus {
public:
    void Publish(ports::LiveEvent event) override {
        std::vector<Listener> listeners;
        {
            std::lock_guard lock(mu_);
            listeners = listeners_;
        }
        for (const auto& l : listeners) l(event);
    }
    void Subscribe(Listener listener) override {
        std::lock_guard lock(mu_);
        listeners_.push_back(std::move(listener));
    }

private:
    std::mutex mu_;
    std::vector<Listener> listeners_;
};

class LocalLeadership final : public ports::Leadership {
public:
    explicit LocalLeadership(std::string id) : id_(std::move(id)) {}
    bool IsLeader() const override { return true; }
    std::uint64_t FencingToken() const override { return 1; }
    const std::string& InstanceId() const override { return id_; }

private:
    std::string id_;
};

}  // namespace

std::shared_ptr<ports::EventBus> MakeLocalEventBus() { return std::make_shared<LocalEventBus>(); }

std::shared_ptr<ports::Leadership> MakeLocalLeadership(std::string instance_id) {
    return std::make_shared<LocalLeadership>(std::move(instance_id));
}

}  // namespace ivs::adapters
