#pragma once

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace ivs::ports {

struct StageViewerCount {
    std::string stage_arn;
    std::string name;
    std::string state;  // "active", "draining", "creating"
    bool is_master = false;
    int viewers = 0;
};

// A consistent picture of the live audience at one instant (what /api/stats, WebSocket
// stats_update, snapshots, Prometheus and CloudWatch all report).
struct AudienceSnapshot {
    SystemTime at;
    int total_viewers = 0;
    bool publisher_live = false;
    std::vector<StageViewerCount> stages;  // managed stages only
};

// Read side of the audience, provided by the audience service (registered by the audience
// wiring as ctx.services["audience_stats"]). Thread-safe; unavailable when the hot store is down.
class AudienceStats {
public:
    virtual ~AudienceStats() = default;
    virtual boost::asio::awaitable<Result<AudienceSnapshot>> Snapshot() = 0;
};

}  // namespace ivs::ports
