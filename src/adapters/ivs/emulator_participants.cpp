// Stage deletion and the read side of participants and stage sessions: ListParticipants,
// GetParticipant, ListStageSessions, GetStageSession, ListParticipantEvents.

#include <algorithm>

#include "adapters/aws/ivs_json.hpp"
#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_state.hpp"
#include "core/time_format.hpp"

namespace ivs::emulator {
using namespace aws::ivs_json;
namespace json = boost::json;
namespace {

using State = Emulator::State;

json::object ParticipantJson(const ParticipantRec& p, const SessionRec& s) {
    json::object o{{"participantId", p.id},
                   {"state", p.connected ? "CONNECTED" : "DISCONNECTED"},
                   {"firstJoinTime", FormatIso8601Millis(p.first_join_time)},
                   {"published", p.published},
                   {"attributes", TagsToJson(p.attributes)},
                   {"recordingState", "DISABLED"},
                   {"protocol", p.protocol},
                   {"replicationType", p.replication_type.empty() ? "NONE" : p.replication_type}};
    if (!p.user_id.empty()) o["userId"] = p.user_id;
    if (!p.replication_state.empty()) o["replicationState"] = p.replication_state;
    if (!p.source_stage_arn.empty()) {
        o["sourceStageArn"] = p.source_stage_arn;
        o["sourceSessionId"] = p.source_session_id;
    }
    (void)s;
    return o;
}

json::object EventJson(const ParticipantRec& p, const ParticipantEventRec& e) {
    json::object o{{"name", e.name},
                   {"participantId", p.id},
                   {"eventTime", FormatIso8601Millis(e.time)},
                   {"replica", e.replica}};
    if (!e.destination_stage_arn.empty()) {
        o["destinationStageArn"] = e.destination_stage_arn;
        o["destinationSessionId"] = e.destination_session_id;
    }
    return o;
}

// The session `session_id` of the stage, or nullptr.
const SessionRec* FindSession(const Emulator::State& state, std::string_view stage_arn,
                              std::string_view session_id) {
    auto it = state.stages.find(stage_arn);
    if (it == state.stages.end()) return nullptr;
    for (const auto& s : it->second.sessions) {
        if (s.id == session_id) return &s;
    }
    return nullptr;
}

}  // namespace

Status Emulator::DeleteStage(std::string_view arn) {
    if (auto st = CheckStageArn(arn, "arn"); !st) return st.error();
    std::lock_guard lock(mu_);
    auto it = state_->stages.find(arn);
    if (it == state_->stages.end()) return StageNotFound(arn);
    auto now = Millis(clock_.Now());
    // Everyone is disconnected and every replication into or out of the stage stops.
    if (auto* s = State::ActiveSession(it->second)) {
        for (auto& p : s->participants) {
            if (p.connected) Disconnect(*state_, it->second, p, now);
        }
    }
    for (auto& r : state_->replications) {
        if (r.source_stage_arn == arn || r.destination_stage_arn == arn) {
            StopReplication(*state_, r, now);
        }
    }
    std::erase_if(state_->replications, [&](const ReplicationRec& r) {
        return r.source_stage_arn == arn || r.destination_stage_arn == arn;
    });
    state_->stage_order.erase(it->second.seq);
    state_->stages.erase(it);
    return Ok();
}

Status Emulator::DisconnectParticipant(std::string_view stage_arn,
                                       std::string_view participant_id,
                                       std::string_view reason) {
    if (auto st = CheckStageArn(stage_arn, "stageArn"); !st) return st.error();
    if (participant_id.empty()) return IvsError(kValidation, "participantId is required");
    if (participant_id.size() > 64 ||
        participant_id.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
            std::string_view::npos) {
        return IvsError(kValidation, "participantId must be 1-64 characters of [a-zA-Z0-9-_]");
    }
    if (reason.size() > 128) return IvsError(kValidation, "reason must be at most 128 characters");
    return Leave(stage_arn, participant_id);
}

Result<ports::Page<ports::ParticipantSummary>> Emulator::ListParticipants(
    const ports::ListParticipantsRequest& r) {
    if (auto st = CheckStageArn(r.stage_arn, "stageArn"); !st) return st.error();
    if (auto st = CheckSessionId(r.session_id); !st) return st.error();
    if (auto st = CheckMaxResults(r.max_results, 100); !st) return st.error();
    // The model's @default(false): false is "not set", like an absent member.
    const bool only_published = r.filter_by_published.value_or(false);
    int filters = (only_published ? 1 : 0) + (r.filter_by_state.empty() ? 0 : 1) +
                  (r.filter_by_user_id.empty() ? 0 : 1);
    if (filters > 1) {
        return IvsError(kValidation, "Only one of filterByUserId, filterByPublished, "
                                     "filterByState and filterByRecordingState may be set");
    }
    if (!r.filter_by_state.empty() && r.filter_by_state != "CONNECTED" &&
        r.filter_by_state != "DISCONNECTED") {
        return IvsError(kValidation, "filterByState must be CONNECTED or DISCONNECTED");
    }
    if (r.filter_by_user_id.size() > 128) {
        return IvsError(kValidation, "filterByUserId must be at most 128 characters");
    }
    std::vector<ports::ParticipantSummary> all;
    {
        std::lock_guard lock(mu_);
        auto it = state_->stages.find(r.stage_arn);
        if (it != state_->stages.end()) {
            for (const auto& s : it->second.sessions) {
                if (s.id != r.session_id) continue;
                for (const auto& p : s.participants) {
                    std::string state = p.connected ? "CONNECTED" : "DISCONNECTED";
                    if (only_published && !p.published) continue;
                    if (!r.filter_by_state.empty() && state != r.filter_by_state) continue;
                    if (!r.filter_by_user_id.empty() && p.user_id != r.filter_by_user_id) continue;
                    all.push_back({p.id, p.user_id, state, p.first_join_time, p.published,
                                   p.replication_type, p.replication_state, p.source_stage_arn});
                }
            }
        }
    }
    return Paginate(std::move(all), r.next_token, "participants", r.max_results);
}

Result<ports::Page<ports::StageSession>> Emulator::ListStageSessions(
    std::string_view stage_arn, std::string_view next_token, int max_results) {
    if (auto st = CheckStageArn(stage_arn, "stageArn"); !st) return st.error();
    if (auto st = CheckMaxResults(max_results, 100); !st) return st.error();
    std::vector<ports::StageSession> all;
    {
        std::lock_guard lock(mu_);
        auto it = state_->stages.find(stage_arn);
        if (it != state_->stages.end()) {
            // Newest first.
            for (auto s = it->second.sessions.rbegin(); s != it->second.sessions.rend(); ++s) {
                all.push_back({s->id, s->start_time, s->end_time});
            }
        }
    }
    return Paginate(std::move(all), next_token, "sessions", max_results);
}

Result<json::object> Emulator::GetParticipant(std::string_view stage_arn,
                                              std::string_view session_id,
                                              std::string_view participant_id) {
    if (auto st = CheckStageArn(stage_arn, "stageArn"); !st) return st.error();
    if (auto st = CheckSessionId(session_id); !st) return st.error();
    if (auto st = CheckParticipantId(participant_id, "participantId"); !st) return st.error();
    std::lock_guard lock(mu_);
    if (!state_->stages.contains(stage_arn)) return StageNotFound(stage_arn);
    const SessionRec* s = FindSession(*state_, stage_arn, session_id);
    if (!s) return IvsError(kNotFound, "Stage session not found: " + std::string(session_id));
    for (const auto& p : s->participants) {
        if (p.id == participant_id) return json::object{{"participant", ParticipantJson(p, *s)}};
    }
    return ParticipantNotFound(participant_id);
}

Result<json::object> Emulator::GetStageSession(std::string_view stage_arn,
                                               std::string_view session_id) {
    if (auto st = CheckStageArn(stage_arn, "stageArn"); !st) return st.error();
    if (auto st = CheckSessionId(session_id); !st) return st.error();
    std::lock_guard lock(mu_);
    if (!state_->stages.contains(stage_arn)) return StageNotFound(stage_arn);
    const SessionRec* s = FindSession(*state_, stage_arn, session_id);
    if (!s) return IvsError(kNotFound, "Stage session not found: " + std::string(session_id));
    return json::object{
        {"stageSession", StageSessionToJson({s->id, s->start_time, s->end_time})}};
}

Result<json::object> Emulator::ListParticipantEvents(std::string_view stage_arn,
                                                     std::string_view session_id,
                                                     std::string_view participant_id,
                                                     std::string_view next_token,
                                                     int max_results) {
    if (auto st = CheckStageArn(stage_arn, "stageArn"); !st) return st.error();
    if (auto st = CheckSessionId(session_id); !st) return st.error();
    if (auto st = CheckParticipantId(participant_id, "participantId"); !st) return st.error();
    if (auto st = CheckMaxResults(max_results, 100); !st) return st.error();
    std::vector<json::object> all;
    {
        std::lock_guard lock(mu_);
        // Unknown stages, sessions and participants list nothing (the model has no
        // ResourceNotFoundException for this operation).
        if (const SessionRec* s = FindSession(*state_, stage_arn, session_id)) {
            for (const auto& p : s->participants) {
                if (p.id != participant_id) continue;
                for (const auto& e : p.events) all.push_back(EventJson(p, e));
            }
        }
    }
    auto page = Paginate(std::move(all), next_token, "events", max_results);
    if (!page) return page.error();
    json::array events;
    for (auto& e : page->items) events.emplace_back(std::move(e));
    json::object out{{"events", std::move(events)}};
    if (!page->next_token.empty()) out["nextToken"] = page->next_token;
    return out;
}

}  // namespace ivs::emulator
