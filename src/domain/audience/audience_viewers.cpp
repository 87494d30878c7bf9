// Viewer calls after the join: heartbeat, leave, lists, expiry, and the events they publish.
#include <boost/json.hpp>

#include <algorithm>
#include <set>

#include "core/time_format.hpp"
#include "domain/audience/audience_service.hpp"
#include "domain/audience/session_events.hpp"
#include "domain/stats/audience_stats_service.hpp"

namespace ivs::audience {

AudienceService::Async<SystemTime> AudienceService::Heartbeat(std::string user_id,
                                                              std::string stage_arn,
                                                              std::string session_id) {
    const SystemTime now = Now();
    co_return co_await deps_.hot_store->Heartbeat(std::move(user_id), std::move(stage_arn),
                                                  std::move(session_id), now, Cutoff(now));
}

AudienceService::Async<std::optional<ports::ViewerSession>> AudienceService::Leave(
    std::string user_id, std::string stage_arn, std::string session_id) {
    const SystemTime now = Now();
    auto ended = co_await deps_.hot_store->Leave(std::move(user_id), std::move(stage_arn),
                                                 std::move(session_id), now, Cutoff(now));
    if (!ended) co_return ended.error();
    if (*ended) {
        const bool expired = (*ended)->last_heartbeat < Cutoff(now);
        PublishEnd(**ended, expired ? "timeout" : "leave", expired ? (*ended)->last_heartbeat : now);
        AnnounceCounts((*ended)->stage_arn);
    }
    co_return ended;
}

AudienceService::Async<StageViewers> AudienceService::ListViewers(std::string stage_arn) {
    const SystemTime cutoff = Cutoff(Now());
    auto stage = co_await deps_.hot_store->GetStage(stage_arn, cutoff);
    if (!stage) co_return stage.error();
    const std::size_t limit =
        static_cast<std::size_t>(std::max(options_.stage_capacity, 1)) + 1000;
    auto viewers = co_await deps_.hot_store->ListViewers(stage_arn, cutoff, limit);
    if (!viewers) co_return viewers.error();
    co_return StageViewers{std::move(stage_arn), std::move(*viewers)};
}

AudienceService::Async<std::int64_t> AudienceService::WatchDurationSeconds(std::string user_id,
                                                                          std::string stage_arn) {
    const SystemTime now = Now();
    auto session = co_await deps_.hot_store->GetSession(std::move(user_id), Cutoff(now));
    if (!session) co_return session.error();
    if (!*session || (*session)->stage_arn != stage_arn) co_return std::int64_t{0};
    co_return std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::seconds>(now - (*session)->joined_at).count());
}

AudienceService::Async<std::size_t> AudienceService::SweepExpired(std::size_t batch) {
    std::size_t total = 0;
    std::set<std::string> stages;
    // A bounded number of batches per sweep keeps one tick short; the next tick continues.
    for (int round = 0; round < 100; ++round) {
        auto expired = co_await deps_.hot_store->ExpireSessions(Cutoff(Now()), batch);
        if (!expired) {
            if (total == 0) co_return expired.error();
            break;
        }
        for (const auto& s : *expired) {
            PublishEnd(s, "timeout", s.last_heartbeat);
            stages.insert(s.stage_arn);
        }
        total += expired->size();
        if (expired->size() < batch) break;
    }
    for (const auto& arn : stages) AnnounceCounts(arn);
    co_return total;
}

AudienceService::Async<std::vector<ports::ViewerSession>> AudienceService::LiveSessions(
    std::size_t per_stage_limit) {
    const SystemTime cutoff = Cutoff(Now());
    auto stages = co_await deps_.hot_store->ListStages(cutoff);
    if (!stages) co_return stages.error();
    std::vector<ports::ViewerSession> out;
    for (const auto& stage : *stages) {
        if (stage.viewers == 0) continue;
        auto viewers = co_await deps_.hot_store->ListViewers(stage.arn, cutoff, per_stage_limit);
        if (!viewers) co_return viewers.error();
        out.insert(out.end(), std::make_move_iterator(viewers->begin()),
                   std::make_move_iterator(viewers->end()));
    }
    co_return out;
}

void AudienceService::PublishEnded(const std::vector<ports::ViewerSession>& sessions,
                                   const std::string& reason) {
    const SystemTime now = Now();
    const SystemTime cutoff = Cutoff(now);
    std::set<std::string> stages;
    for (const auto& s : sessions) {
        PublishEnd(s, reason, s.last_heartbeat < cutoff ? s.last_heartbeat : now);
        stages.insert(s.stage_arn);
    }
    for (const auto& arn : stages) AnnounceCounts(arn);
}

// A store that records session events did so in the change itself: nothing to add here.
// Otherwise the start is durable before the viewer's answer, so a crash right after it loses
// no row.
boost::asio::awaitable<void> AudienceService::PublishStarted(const ports::ViewerSession& s,
                                                             const ClientInfo& client) {
    if (!deps_.session_events || deps_.hot_store->RecordsSessionEvents()) co_return;
    ports::SessionEvent e = SessionStarted(s);
    e.user_agent = client.user_agent;
    e.ip_address = client.ip_address;
    co_await deps_.session_events->PublishDurably(std::move(e));
}

void AudienceService::PublishEnd(const ports::ViewerSession& s, const std::string& reason,
                                 SystemTime left_at) {
    if (!deps_.session_events || deps_.hot_store->RecordsSessionEvents()) return;
    deps_.session_events->Publish(SessionEnded(s, reason, left_at));
}

void AudienceService::AnnounceCounts(const std::string& stage_arn) {
    if (!deps_.event_bus) return;
    deps_.event_bus->Publish(ports::LiveEvent{"stats_changed", {{"stageArn", stage_arn}}});
}

boost::asio::awaitable<Result<ports::AudienceSnapshot>> AudienceService::Snapshot() {
    const SystemTime now = Now();
    auto snap = co_await deps_.hot_store->Snapshot(now, Cutoff(now));
    if (!snap) co_return snap.error();
    co_return stats::AudienceStatsService::FromHot(*snap, now);
}

}  // namespace ivs::audience
