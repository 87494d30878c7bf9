#pragma once

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace ivs::ports {

// A managed stage as kept durably (history store table `stages`). The hot store's registry can
// be rebuilt from these records after a restart.
struct ArchivedStage {
    std::string arn;
    std::string name;
    bool is_master = false;
    bool auto_scaled = false;
    std::string state;  // "active", "draining", "deleted"
    SystemTime created_at;
    std::optional<SystemTime> draining_since;
    std::optional<SystemTime> deleted_at;
};

// Durable registry of the stages this deployment manages. Thread-safe. Errors: unavailable when
// the history store is down (callers retry; the hot path never waits on this).
class StageArchive {
public:
    virtual ~StageArchive() = default;
    virtual boost::asio::awaitable<Status> SaveStage(ArchivedStage stage) = 0;  // upsert by arn
    virtual boost::asio::awaitable<Status> MarkStageDeleted(std::string arn, SystemTime at) = 0;
    // Stages not marked deleted.
    virtual boost::asio::awaitable<Result<std::vector<ArchivedStage>>> LoadStages() = 0;
};

}  // namespace ivs::ports
