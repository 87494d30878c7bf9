// Stage sessions, participants, participant replication and the control surface (join,
// publish, unpublish, leave) of the emulator.

#include <algorithm>

#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_state.hpp"
#include "adapters/tokens/participant_jwt.hpp"
#include "core/random.hpp"

namespace ivs::emulator {
namespace {

using State = Emulator::State;

Error StageNotFound(std::string_view arn) {
    return IvsError(kNotFound, "Stage not found: " + std::string(arn));
}

Error ParticipantNotFound(std::string_view id) {
    return IvsError(kNotFound, "Participant not found: " + std::string(id));
}

SystemTime Millis(SystemTime t) { return std::chrono::floor<std::chrono::milliseconds>(t); }

SessionRec& EnsureSession(StageRec& stage, SystemTime now) {
    if (auto* s = State::ActiveSession(stage)) return *s;
    SessionRec s;
    s.id = "st-" + RandomAlnum(13);
    s.start_time = now;
    stage.sessions.push_back(std::move(s));
    return stage.sessions.back();
}

void MaybeEndSession(StageRec& stage, SystemTime now) {
    auto* s = State::ActiveSession(stage);
    if (!s) return;
    bool anyone = std::any_of(s->participants.begin(), s->participants.end(),
                              [](const ParticipantRec& p) { return p.connected; });
    if (!anyone) s->end_time = now;
}

int CountPublished(const SessionRec* s, std::string_view except_id = {}) {
    if (!s) return 0;
    return static_cast<int>(std::count_if(
        s->participants.begin(), s->participants.end(), [&](const ParticipantRec& p) {
            return p.connected && p.published && p.id != except_id;
        }));
}

void RefreshSourceState(State& state, std::string_view stage_arn, std::string_view pid) {
    auto it = state.stages.find(stage_arn);
    if (it == state.stages.end()) return;
    auto* p = State::FindConnected(State::ActiveSession(it->second), pid);
    if (!p) return;
    bool active = std::any_of(state.replications.begin(), state.replications.end(),
                              [&](const ReplicationRec& r) {
                                  return r.active && r.source_stage_arn == stage_arn &&
                                         r.participant_id == pid;
                              });
    p->replication_state = active ? "ACTIVE" : "STOPPED";
}

void StopReplication(State& state, ReplicationRec& r, SystemTime now) {
    if (!r.active) return;
    r.active = false;
    if (auto dest = state.stages.find(r.destination_stage_arn); dest != state.stages.end()) {
        if (auto* replica =
                State::FindConnected(State::ActiveSession(dest->second), r.participant_id)) {
            replica->connected = false;
            replica->published = false;
            replica->replication_state = "STOPPED";
        }
        MaybeEndSession(dest->second, now);
    }
    RefreshSourceState(state, r.source_stage_arn, r.participant_id);
}

void Disconnect(State& state, StageRec& stage, ParticipantRec& p, SystemTime now) {
    std::string id = p.id;
    bool replica = p.replication_type == "REPLICA";
    p.connected = false;
    p.published = false;
    for (auto& r : state.replications) {
        if (!r.active || r.participant_id != id) continue;
        bool as_source = !replica && r.source_stage_arn == stage.arn;
        bool as_replica = replica && r.destination_stage_arn == stage.arn;
        if (as_source || as_replica) StopReplication(state, r, now);
    }
    MaybeEndSession(stage, now);
}

void MirrorPublishedToReplicas(State& state, std::string_view stage_arn, std::string_view pid,
                               bool published) {
    for (auto& r : state.replications) {
        if (!r.active || r.source_stage_arn != stage_arn || r.participant_id != pid) continue;
        auto dest = state.stages.find(r.destination_stage_arn);
        if (dest == state.stages.end()) continue;
        if (auto* replica = State::FindConnected(State::ActiveSession(dest->second), pid)) {
            replica->published = published;
        }
    }
}

Status CheckSessionId(std::string_view id) {
    if (id.empty()) return IvsError(kValidation, "sessionId is required");
    bool ok = id.size() == 16 && id.substr(0, 3) == "st-" &&
              std::all_of(id.begin() + 3, id.end(), [](char c) {
                  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
              });
    if (!ok) return IvsError(kValidation, "sessionId is not a valid stage session id");
    return Ok();
}

template <class T>
Result<ports::Page<T>> Paginate(std::vector<T> all, std::string_view next_token,
                                std::string_view kind, int max_results) {
    std::uint64_t offset = 0;
    if (!next_token.empty()) {
        auto n = ParsePageToken(next_token, kind);
        if (!n) return n.error();
        offset = *n;
    }
    ports::Page<T> page;
    auto max = static_cast<std::uint64_t>(max_results);
    for (std::uint64_t i = offset; i < all.size() && i < offset + max; ++i) {
        page.items.push_back(std::move(all[i]));
    }
    if (offset + max < all.size()) page.next_token = MakePageToken(kind, offset + max);
    return page;
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
    int filters = (r.filter_by_published ? 1 : 0) + (r.filter_by_state.empty() ? 0 : 1) +
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
                    if (r.filter_by_published && p.published != *r.filter_by_published) continue;
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

Status Emulator::StartParticipantReplication(const ports::ReplicationRequest& req) {
    if (auto st = CheckStageArn(req.source_stage_arn, "sourceStageArn"); !st) return st.error();
    if (auto st = CheckStageArn(req.destination_stage_arn, "destinationStageArn"); !st) {
        return st.error();
    }
    if (auto st = CheckParticipantId(req.participant_id, "participantId"); !st) return st.error();
    if (req.reconnect_window_seconds < 0 || req.reconnect_window_seconds > 300) {
        return IvsError(kValidation, "reconnectWindowSeconds must be between 0 and 300");
    }
    if (req.source_stage_arn == req.destination_stage_arn) {
        return IvsError(kValidation, "source and destination stages must differ");
    }
    std::lock_guard lock(mu_);
    auto src = state_->stages.find(req.source_stage_arn);
    if (src == state_->stages.end()) return StageNotFound(req.source_stage_arn);
    auto dst = state_->stages.find(req.destination_stage_arn);
    if (dst == state_->stages.end()) return StageNotFound(req.destination_stage_arn);
    auto* src_session = State::ActiveSession(src->second);
    auto* p = State::FindConnected(src_session, req.participant_id);
    if (!p) return ParticipantNotFound(req.participant_id);
    if (p->replication_type == "REPLICA") {
        return IvsError(kValidation, "A replica participant cannot be replicated");
    }
    if (!p->published) {
        return IvsError(kConflict, "Participant " + req.participant_id + " is not publishing");
    }
    int active = 0;
    for (const auto& r : state_->replications) {
        if (!r.active || r.participant_id != req.participant_id ||
            r.source_stage_arn != req.source_stage_arn) {
            continue;
        }
        if (r.destination_stage_arn == req.destination_stage_arn) {
            return IvsError(kConflict, "Participant is already replicated to that stage");
        }
        ++active;
    }
    if (active >= options_.max_replicas_per_participant) {
        return IvsError(kQuota, "Participant replication quota exceeded: at most " +
                                    std::to_string(options_.max_replicas_per_participant) +
                                    " replicas per participant");
    }
    if (CountPublished(State::ActiveSession(dst->second)) >= options_.max_publishers_per_stage) {
        return IvsError(kQuota, "The destination stage already has the maximum of publishers");
    }
    auto now = Millis(clock_.Now());
    ParticipantRec replica;
    replica.id = p->id;
    replica.user_id = p->user_id;
    replica.published = p->published;
    replica.can_publish = true;
    replica.first_join_time = now;
    replica.attributes = p->attributes;
    for (const auto& [k, v] : req.attributes) replica.attributes[k] = v;
    replica.replication_type = "REPLICA";
    replica.replication_state = "ACTIVE";
    replica.source_stage_arn = req.source_stage_arn;
    replica.source_session_id = src_session->id;
    p->replication_type = "SOURCE";
    p->replication_state = "ACTIVE";
    std::string source_session_id = src_session->id;

    auto& dst_session = EnsureSession(dst->second, now);
    auto existing = std::find_if(dst_session.participants.begin(), dst_session.participants.end(),
                                 [&](const ParticipantRec& q) { return q.id == replica.id; });
    if (existing != dst_session.participants.end()) {
        replica.first_join_time = existing->first_join_time;
        *existing = std::move(replica);
    } else {
        dst_session.participants.push_back(std::move(replica));
    }
    state_->replications.push_back({req.source_stage_arn, req.participant_id, source_session_id,
                                    req.destination_stage_arn, dst_session.id, true});
    return Ok();
}

Status Emulator::StopParticipantReplication(std::string_view source_stage_arn,
                                            std::string_view destination_stage_arn,
                                            std::string_view participant_id) {
    if (auto st = CheckStageArn(source_stage_arn, "sourceStageArn"); !st) return st.error();
    if (auto st = CheckStageArn(destination_stage_arn, "destinationStageArn"); !st) {
        return st.error();
    }
    if (auto st = CheckParticipantId(participant_id, "participantId"); !st) return st.error();
    std::lock_guard lock(mu_);
    if (!state_->stages.contains(source_stage_arn)) return StageNotFound(source_stage_arn);
    if (!state_->stages.contains(destination_stage_arn)) {
        return StageNotFound(destination_stage_arn);
    }
    for (auto& r : state_->replications) {
        if (r.active && r.source_stage_arn == source_stage_arn &&
            r.destination_stage_arn == destination_stage_arn &&
            r.participant_id == participant_id) {
            StopReplication(*state_, r, Millis(clock_.Now()));
            return Ok();
        }
    }
    return IvsError(kNotFound, "No active replication of participant " +
                                   std::string(participant_id) + " to that stage");
}

Result<ports::Page<ports::ParticipantReplica>> Emulator::ListParticipantReplicas(
    std::string_view source_stage_arn, std::string_view participant_id,
    std::string_view next_token, int max_results) {
    if (auto st = CheckStageArn(source_stage_arn, "sourceStageArn"); !st) return st.error();
    if (auto st = CheckParticipantId(participant_id, "participantId"); !st) return st.error();
    if (auto st = CheckMaxResults(max_results, 50); !st) return st.error();
    std::vector<ports::ParticipantReplica> all;
    {
        std::lock_guard lock(mu_);
        for (const auto& r : state_->replications) {
            if (!r.active || r.source_stage_arn != source_stage_arn ||
                r.participant_id != participant_id) {
                continue;
            }
            all.push_back({r.source_stage_arn, r.participant_id, r.source_session_id,
                           r.destination_stage_arn, r.destination_session_id, "ACTIVE"});
        }
    }
    return Paginate(std::move(all), next_token, "replicas", max_results);
}

// --- control surface ---

Result<JoinResult> Emulator::Join(std::string_view stage_arn, std::string_view token) {
    if (auto st = CheckStageArn(stage_arn, "stageArn"); !st) return st.error();
    std::lock_guard lock(mu_);
    auto it = state_->stages.find(stage_arn);
    if (it == state_->stages.end()) return StageNotFound(stage_arn);
    auto key_for = [this](std::string_view kid) -> std::optional<tokens::Es384Key> {
        if (kid == state_->internal_key_arn) return state_->internal_key;
        auto k = state_->keys.find(kid);
        if (k == state_->keys.end()) return std::nullopt;
        return k->second.key;
    };
    auto now = Millis(clock_.Now());
    auto claims = tokens::VerifyParticipantToken(token, key_for, now, stage_arn);
    if (!claims) {
        Error e = IvsError(kAccessDenied, "Join refused: " + claims.error().message);
        e.details["reason"] = claims.error().details.at("reason");
        return e;
    }
    StageRec& stage = it->second;
    auto* active = State::ActiveSession(stage);
    if (active) {
        int connected = static_cast<int>(
            std::count_if(active->participants.begin(), active->participants.end(),
                          [](const ParticipantRec& p) { return p.connected; }));
        if (connected >= options_.max_publishers_per_stage + options_.max_subscribers_per_stage) {
            return IvsError(kQuota, "The stage is full");
        }
    }
    SessionRec& session = EnsureSession(stage, now);
    auto existing = std::find_if(session.participants.begin(), session.participants.end(),
                                 [&](const ParticipantRec& p) {
                                     return p.id == claims->participant_id &&
                                            p.replication_type != "REPLICA";
                                 });
    ParticipantRec* p = nullptr;
    if (existing != session.participants.end()) {
        p = &*existing;
    } else {
        session.participants.emplace_back();
        p = &session.participants.back();
        p->id = claims->participant_id;
        p->first_join_time = now;
    }
    p->connected = true;
    p->user_id = claims->user_id;
    p->attributes = claims->attributes;
    p->can_publish = claims->allow_publish;
    p->can_subscribe = claims->allow_subscribe;
    return JoinResult{p->id, session.id};
}

Status Emulator::Publish(std::string_view stage_arn, std::string_view participant_id) {
    std::lock_guard lock(mu_);
    auto it = state_->stages.find(stage_arn);
    if (it == state_->stages.end()) return StageNotFound(stage_arn);
    auto* session = State::ActiveSession(it->second);
    auto* p = State::FindConnected(session, participant_id);
    if (!p) return ParticipantNotFound(participant_id);
    if (!p->can_publish) {
        return IvsError(kAccessDenied,
                        "INSUFFICIENT_CAPABILITIES: the participant's token does not allow publishing");
    }
    if (!p->published &&
        CountPublished(session, participant_id) >= options_.max_publishers_per_stage) {
        return IvsError(kQuota, "The stage already has the maximum of " +
                                    std::to_string(options_.max_publishers_per_stage) +
                                    " publishers");
    }
    p->published = true;
    MirrorPublishedToReplicas(*state_, stage_arn, participant_id, true);
    return Ok();
}

Status Emulator::Unpublish(std::string_view stage_arn, std::string_view participant_id) {
    std::lock_guard lock(mu_);
    auto it = state_->stages.find(stage_arn);
    if (it == state_->stages.end()) return StageNotFound(stage_arn);
    auto* p = State::FindConnected(State::ActiveSession(it->second), participant_id);
    if (!p) return ParticipantNotFound(participant_id);
    p->published = false;
    MirrorPublishedToReplicas(*state_, stage_arn, participant_id, false);
    return Ok();
}

Status Emulator::Leave(std::string_view stage_arn, std::string_view participant_id) {
    std::lock_guard lock(mu_);
    auto it = state_->stages.find(stage_arn);
    if (it == state_->stages.end()) return StageNotFound(stage_arn);
    auto* p = State::FindConnected(State::ActiveSession(it->second), participant_id);
    if (!p) return ParticipantNotFound(participant_id);
    Disconnect(*state_, it->second, *p, Millis(clock_.Now()));
    return Ok();
}

}  // namespace ivs::emulator
