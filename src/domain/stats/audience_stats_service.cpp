#include "domain/stats/audience_stats_service.hpp"

namespace ivs::stats {

boost::asio::awaitable<Result<ports::HotSnapshot>> AudienceStatsService::HotSnapshot() {
    const auto now = clock_.Now();
    co_return co_await hot_->Snapshot(now, now - heartbeat_timeout_);
}

boost::asio::awaitable<Result<ports::AudienceSnapshot>> AudienceStatsService::Snapshot() {
    const auto now = clock_.Now();
    auto hot = co_await hot_->Snapshot(now, now - heartbeat_timeout_);
    if (!hot) co_return hot.error();
    co_return FromHot(*hot, now);
}

ports::AudienceSnapshot AudienceStatsService::FromHot(const ports::HotSnapshot& hot,
                                                      SystemTime at) {
    ports::AudienceSnapshot out;
    out.at = at;
    out.publisher_live = hot.publisher && hot.publisher->live;
    for (const auto& s : hot.stages) {
        out.total_viewers += s.viewers;
        out.stages.push_back(ports::StageViewerCount{
            s.arn, s.name, s.state == ports::StageState::draining ? "draining" : "active",
            s.is_master, s.viewers});
    }
    return out;
}

}  // namespace ivs::stats
