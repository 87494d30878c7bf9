#include "domain/publisher/publisher_tracker.hpp"

#include <spdlog/spdlog.h>

#include "core/json_fields.hpp"
#include "core/time_format.hpp"

namespace ivs::publisher {
namespace json = boost::json;

std::string_view EventOutcomeName(EventOutcome o) {
    switch (o) {
        case EventOutcome::applied: return "applied";
        case EventOutcome::duplicate: return "duplicate";
        case EventOutcome::ignored: return "ignored";
    }
    return "ignored";
}

boost::asio::awaitable<Result<std::optional<ports::PublisherState>>> PublisherTracker::Current() {
    co_return co_await hot_->GetPublisher();
}

void PublisherTracker::Changed(const ports::PublisherState& s) {
    spdlog::info("publisher {} (participant {}, via {})", s.live ? "live" : "offline",
                 s.participant_id, s.source);
    if (events_) {
        events_->Publish(ports::LiveEvent{
            s.live ? "publisher_live" : "publisher_offline",
            json::object{{"stageArn", s.stage_arn},
                         {"participantId", s.participant_id},
                         {"userId", s.user_id},
                         {"since", FormatIso8601Millis(s.since)}}});
        events_->Publish(ports::LiveEvent{"stats_changed", {}});
    }
    if (on_change_) on_change_();
}

boost::asio::awaitable<Status> PublisherTracker::GoLive(std::string participant_id,
                                                        std::string user_id, SystemTime at,
                                                        std::string source) {
    auto current = co_await hot_->GetPublisher();
    if (!current) co_return current.error();
    const auto now = clock_.Now();
    ports::PublisherState state;
    const bool same = *current && (*current)->live && (*current)->participant_id == participant_id;
    if (same) {
        state = **current;
        state.updated_at = now;
        if (!user_id.empty()) state.user_id = user_id;
    } else {
        state = ports::PublisherState{true,  participant_id, user_id, directory_->MasterArn(),
                                      at,    now,            source};
    }
    auto set = co_await hot_->SetPublisher(state);
    if (!set) co_return set;
    if (!same) Changed(state);
    co_return Ok();
}

boost::asio::awaitable<Status> PublisherTracker::GoOffline(std::string participant_id,
                                                           SystemTime at, std::string source) {
    auto current = co_await hot_->GetPublisher();
    if (!current) co_return current.error();
    if (!*current || !(*current)->live) co_return Ok();
    // Another participant took over meanwhile: its Unpublished is not ours to apply.
    if (!participant_id.empty() && (*current)->participant_id != participant_id) co_return Ok();
    ports::PublisherState state = **current;
    state.live = false;
    state.since = at;
    state.updated_at = clock_.Now();
    state.source = std::move(source);
    auto set = co_await hot_->SetPublisher(state);
    if (!set) co_return set;
    Changed(state);
    co_return Ok();
}

boost::asio::awaitable<Result<EventOutcome>> PublisherTracker::HandleEvent(
    const json::object& event) {
    const std::string id = json_fields::String(event, "id");
    const std::string detail_type = json_fields::String(event, "detail-type");
    if (id.empty() || detail_type.empty()) {
        std::vector<std::string> missing;
        if (id.empty()) missing.push_back("id");
        if (detail_type.empty()) missing.push_back("detail-type");
        co_return MissingFields(missing, "Not an EventBridge event");
    }
    auto first = co_await hot_->MarkOnce("ivs-event:" + id, std::chrono::hours(24));
    if (!first) co_return first.error();
    if (!*first) co_return EventOutcome::duplicate;

    if (detail_type != "IVS Stage Update" || json_fields::String(event, "source") != "aws.ivs") {
        co_return EventOutcome::ignored;
    }
    json::object detail;
    if (auto it = event.find("detail"); it != event.end() && it->value().is_object()) {
        detail = it->value().get_object();
    }
    std::string stage_arn = json_fields::String(detail, "stage_arn");
    if (auto it = event.find("resources"); stage_arn.empty() && it != event.end() &&
                                           it->value().is_array() &&
                                           !it->value().get_array().empty() &&
                                           it->value().get_array()[0].is_string()) {
        stage_arn = std::string(it->value().get_array()[0].get_string());
    }
    const std::string master = directory_->MasterArn();
    if (master.empty() || stage_arn != master) co_return EventOutcome::ignored;

    const std::string name = json_fields::String(detail, "event_name");
    const std::string participant = json_fields::String(detail, "participant_id");
    SystemTime at = clock_.Now();
    std::string when = json_fields::String(detail, "event_time");
    if (when.empty()) when = json_fields::String(event, "time");
    if (auto parsed = ParseIso8601(when)) at = *parsed;

    if (name != "Participant Published" && name != "Participant Unpublished") {
        co_return EventOutcome::ignored;
    }
    auto current = co_await hot_->GetPublisher();
    if (!current) co_return current.error();
    if (*current && at < (*current)->since) co_return EventOutcome::ignored;  // stale

    Status applied = Ok();
    contradicting_polls_ = 0;
    if (name == "Participant Published") {
        applied = co_await GoLive(participant, json_fields::String(detail, "user_id"), at, "event");
    } else {
        applied = co_await GoOffline(participant, at, "event");
    }
    if (!applied) co_return applied.error();
    co_return EventOutcome::applied;
}

boost::asio::awaitable<Status> PublisherTracker::Poll() {
    const std::string master = directory_->MasterArn();
    if (master.empty()) co_return Ok();
    std::string session_id;
    std::string token;
    do {
        auto sessions = co_await ivs_->ListStageSessions(master, token, 50);
        if (!sessions) co_return sessions.error();
        for (const auto& s : sessions->items) {
            if (!s.end_time) session_id = s.session_id;
        }
        token = sessions->next_token;
    } while (!token.empty() && session_id.empty());

    const auto now = clock_.Now();
    if (session_id.empty()) {
        if (!co_await PollMayApply(false, "")) co_return Ok();
        std::string none;
        co_return co_await GoOffline(none, now, "poll");
    }

    std::vector<ports::ParticipantSummary> published;
    token.clear();
    do {
        ports::ListParticipantsRequest request;
        request.stage_arn = master;
        request.session_id = session_id;
        request.filter_by_published = true;
        request.next_token = token;
        request.max_results = 100;
        auto page = co_await ivs_->ListParticipants(std::move(request));
        if (!page) co_return page.error();
        for (auto& p : page->items) {
            if (p.state == "DISCONNECTED" || p.replication_type == "REPLICA") continue;
            published.push_back(std::move(p));
        }
        token = page->next_token;
    } while (!token.empty());

    if (published.empty()) {
        if (!co_await PollMayApply(false, "")) co_return Ok();
        std::string none;
        co_return co_await GoOffline(none, now, "poll");
    }

    auto current = co_await hot_->GetPublisher();
    if (!current) co_return current.error();
    const ports::ParticipantSummary* chosen = &published.front();
    for (const auto& p : published) {
        if (*current && (*current)->live && (*current)->participant_id == p.participant_id) {
            chosen = &p;  // keep the one we already follow
            break;
        }
        if (p.first_join_time > chosen->first_join_time) chosen = &p;  // else the newest
    }
    if (!co_await PollMayApply(true, chosen->participant_id)) co_return Ok();
    co_return co_await GoLive(chosen->participant_id, chosen->user_id, now, "poll");
}

boost::asio::awaitable<bool> PublisherTracker::PollMayApply(bool live,
                                                            std::string participant_id) {
    auto current = co_await hot_->GetPublisher();
    if (!current || !*current) {
        contradicting_polls_ = 0;
        co_return true;
    }
    const ports::PublisherState& s = **current;
    const bool contradicts = s.live != live || (live && s.participant_id != participant_id);
    if (!contradicts || s.source != "event") {
        contradicting_polls_ = 0;
        co_return true;
    }
    // The state comes from an event and this poll says otherwise: IVS's lists may lag its
    // events, so only a second poll in a row that says the same wins.
    if (++contradicting_polls_ < 2) {
        spdlog::info("publisher poll disagrees with the last event ({}); waiting for the next poll",
                     live ? "poll sees a publisher" : "poll sees none");
        co_return false;
    }
    contradicting_polls_ = 0;
    co_return true;
}

}  // namespace ivs::publisher
