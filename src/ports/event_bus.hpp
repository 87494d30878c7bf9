#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <string>

namespace ivs::ports {

// A change that live views (WebSocket, dashboard) care about.
//   type: "stats_changed", "stage_created", "stage_draining", "stage_deleted",
//         "publisher_live", "publisher_offline"
//   data: the event's fields (stageArn, ...). Serialized as {"type", "data", "timestamp"}.
struct LiveEvent {
    std::string type;
    boost::json::object data;
};

// Fans live events out to every instance (in-process in memory mode, Redis pub/sub in Redis
// mode). Publish never blocks on the network; delivery is best effort. Thread-safe.
class EventBus {
public:
    using Listener = std::function<void(const LiveEvent&)>;
    virtual ~EventBus() = default;
    virtual void Publish(LiveEvent event) = 0;
    // Listeners run on an I/O thread and must not block.
    virtual void Subscribe(Listener listener) = 0;
};

}  // namespace ivs::ports
