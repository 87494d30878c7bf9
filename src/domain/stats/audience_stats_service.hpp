#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>

#include "core/clock.hpp"
#include "ports/audience_stats.hpp"
#include "ports/hot_store.hpp"

namespace ivs::stats {

// ports::AudienceStats over one HotStore::Snapshot: every figure (total, per stage, publisher)
// comes from the same instant, so they always agree. Only managed stages appear. Thread-safe.
class AudienceStatsService final : public ports::AudienceStats {
public:
    AudienceStatsService(std::shared_ptr<ports::HotStore> hot, Clock& clock,
                         std::chrono::seconds heartbeat_timeout)
        : hot_(std::move(hot)), clock_(clock), heartbeat_timeout_(heartbeat_timeout) {}

    boost::asio::awaitable<Result<ports::AudienceSnapshot>> Snapshot() override;

    // The raw hot-store snapshot (stage records with counts, publisher, pending creations).
    boost::asio::awaitable<Result<ports::HotSnapshot>> HotSnapshot();

    boost::asio::awaitable<Result<std::vector<ports::ReplicationRecord>>> HotReplications() {
        co_return co_await hot_->ListReplications();
    }

    // Converts a hot-store snapshot taken at `at`.
    static ports::AudienceSnapshot FromHot(const ports::HotSnapshot& hot, SystemTime at);

private:
    std::shared_ptr<ports::HotStore> hot_;
    Clock& clock_;
    std::chrono::seconds heartbeat_timeout_;
};

}  // namespace ivs::stats
