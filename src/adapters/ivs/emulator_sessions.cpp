// Stage sessions and what participants do in them: join, publish, unpublish, leave (the
// control surface), media sessions opened through WHIP or the subscribe endpoint, participant
// events and the EventBridge "IVS Stage Update" events they produce.

#include <algorithm>

#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_state.hpp"
#include "adapters/tokens/participant_jwt.hpp"
#include "core/random.hpp"
#include "core/time_format.hpp"

namespace ivs::emulator {
namespace json = boost::json;
using State = Emulator::State;

namespace {

constexpr std::size_t kMaxEventsPerParticipant = 1000;
constexpr std::size_t kMaxMediaSessions = 100'000;

Error Refused(std::string_view reason, const std::string& message) {
    Error e = IvsError(kAccessDenied, "Join refused: " + message);
    e.details["reason"] = reason;
    return e;
}

// The EventBridge name of a participant event, or "" when IVS sends none for it.
std::string_view BridgeName(std::string_view event) {
    if (event == "JOINED") return "Participant Joined";
    if (event == "LEFT") return "Participant Left";
    if (event == "PUBLISH_STARTED") return "Participant Published";
    if (event == "PUBLISH_STOPPED") return "Participant Unpublished";
    if (event == "REPLICATION_STARTED") return "Participant Replication Started";
    if (event == "REPLICATION_STOPPED") return "Participant Replication Stopped";
    return {};
}

void Emit(State& state, const StageRec& stage, const SessionRec& session,
          std::string_view event_name, const ParticipantRec* p, SystemTime at,
          const ParticipantEventRec* event) {
    if (!state.sink) return;
    json::object detail{{"session_id", session.id},
                        {"event_name", event_name},
                        {"event_time", FormatIso8601Millis(at)}};
    if (p) {
        detail["participant_id"] = p->id;
        detail["user_id"] = p->user_id;
    }
    if (event && !event->destination_stage_arn.empty()) {
        detail["destination_stage_arn"] = event->destination_stage_arn;
        detail["destination_session_id"] = event->destination_session_id;
    }
    if (p && p->replication_type == "REPLICA") detail["replica"] = true;
    json::object e{{"version", "0"},
                   {"id", RandomUuid()},
                   {"detail-type", "IVS Stage Update"},
                   {"source", "aws.ivs"},
                   {"account", state.account_id},
                   {"time", FormatIso8601Millis(at)},
                   {"region", state.region},
                   {"resources", json::array{json::string(stage.arn)}},
                   {"detail", std::move(detail)}};
    state.sink(std::move(e));
}

ParticipantRec* FindInStage(State& state, std::string_view stage_arn, std::string_view pid,
                            StageRec** stage_out) {
    auto it = state.stages.find(stage_arn);
    if (it == state.stages.end()) return nullptr;
    *stage_out = &it->second;
    return State::FindConnected(State::ActiveSession(it->second), pid);
}

Result<tokens::ParticipantClaims> Verify(State& state, std::string_view stage_arn,
                                         std::string_view token, SystemTime now) {
    auto key_for = [&state](std::string_view kid) -> std::optional<tokens::Es384Key> {
        if (kid == state.internal_key_arn) return state.internal_key;
        auto k = state.keys.find(kid);
        if (k == state.keys.end()) return std::nullopt;
        return k->second.key;
    };
    auto claims = tokens::VerifyParticipantToken(token, key_for, now, stage_arn);
    if (!claims) {
        return Refused(std::string(claims.error().details.at("reason").as_string()),
                       claims.error().message);
    }
    return claims;
}

// A stage a participant token is presented to, with the claims the token carries.
struct Admission {
    StageRec* stage = nullptr;
    tokens::ParticipantClaims claims;
};

// Errors: ResourceNotFoundException (no such stage), AccessDeniedException (see Verify).
Result<Admission> Admit(State& state, std::string_view stage_arn, std::string_view token,
                        SystemTime now) {
    auto it = state.stages.find(stage_arn);
    if (it == state.stages.end()) return StageNotFound(stage_arn);
    auto claims = Verify(state, stage_arn, token, now);
    if (!claims) return claims.error();
    return Admission{&it->second, std::move(*claims)};
}

// A connected participant of a stage's active session.
struct InStage {
    StageRec* stage = nullptr;
    ParticipantRec* participant = nullptr;
};

// Errors: ResourceNotFoundException naming the stage or the participant that is missing.
Result<InStage> ConnectedInStage(State& state, std::string_view stage_arn, std::string_view pid) {
    StageRec* stage = nullptr;
    auto* p = FindInStage(state, stage_arn, pid, &stage);
    if (!stage) return StageNotFound(stage_arn);
    if (!p) return ParticipantNotFound(pid);
    return InStage{stage, p};
}

Result<JoinResult> JoinWith(State& state, StageRec& stage, const tokens::ParticipantClaims& c,
                            const EmulatorOptions& options, SystemTime now) {
    if (auto* active = State::ActiveSession(stage)) {
        auto connected = std::count_if(active->participants.begin(), active->participants.end(),
                                       [](const ParticipantRec& p) { return p.connected; });
        if (connected >= options.max_publishers_per_stage + options.max_subscribers_per_stage) {
            return IvsError(kQuota, "The stage is full");
        }
    }
    SessionRec& session = EnsureSession(state, stage, now);
    auto existing = std::find_if(session.participants.begin(), session.participants.end(),
                                 [&](const ParticipantRec& p) {
                                     return p.id == c.participant_id &&
                                            p.replication_type != "REPLICA";
                                 });
    ParticipantRec* p = nullptr;
    if (existing != session.participants.end()) {
        p = &*existing;
        if (p->connected) return JoinResult{p->id, session.id};  // already in
    } else {
        session.participants.emplace_back();
        p = &session.participants.back();
        p->id = c.participant_id;
        p->first_join_time = now;
    }
    p->connected = true;
    p->user_id = c.user_id;
    p->attributes = c.attributes;
    p->can_publish = c.allow_publish;
    p->can_subscribe = c.allow_subscribe;
    RecordEvent(state, stage, session, *p, {"JOINED", now, {}, {}, false});
    return JoinResult{p->id, session.id};
}

Status PublishIn(State& state, StageRec& stage, std::string_view pid,
                 const EmulatorOptions& options, SystemTime now);

void MirrorPublishedToReplicas(State& state, std::string_view stage_arn, std::string_view pid,
                               bool published, SystemTime now) {
    for (auto& r : state.replications) {
        if (!r.active || r.source_stage_arn != stage_arn || r.participant_id != pid) continue;
        auto dest = state.stages.find(r.destination_stage_arn);
        if (dest == state.stages.end()) continue;
        auto* session = State::ActiveSession(dest->second);
        auto* replica = State::FindConnected(session, pid);
        if (!replica || replica->published == published) continue;
        replica->published = published;
        RecordEvent(state, dest->second, *session, *replica,
                    {published ? "PUBLISH_STARTED" : "PUBLISH_STOPPED", now, {}, {}, true});
    }
}

Status PublishIn(State& state, StageRec& stage, std::string_view pid,
                 const EmulatorOptions& options, SystemTime now) {
    auto* session = State::ActiveSession(stage);
    auto* p = State::FindConnected(session, pid);
    if (!p) return ParticipantNotFound(pid);
    if (!p->can_publish) {
        Error e = IvsError(kAccessDenied,
                           "INSUFFICIENT_CAPABILITIES: the participant's token does not allow "
                           "publishing");
        e.details["reason"] = "insufficient_capabilities";
        return e;
    }
    if (p->published) return Ok();
    if (CountPublished(session, pid) >= options.max_publishers_per_stage) {
        return IvsError(kQuota, "The stage already has the maximum of " +
                                    std::to_string(options.max_publishers_per_stage) +
                                    " publishers");
    }
    p->published = true;
    RecordEvent(state, stage, *session, *p, {"PUBLISH_STARTED", now, {}, {}, false});
    MirrorPublishedToReplicas(state, stage.arn, pid, true, now);
    return Ok();
}

}  // namespace

// --- shared bookkeeping ---

SessionRec& EnsureSession(State& state, StageRec& stage, SystemTime now) {
    if (auto* s = State::ActiveSession(stage)) return *s;
    SessionRec s;
    s.id = "st-" + RandomAlnum(13);
    s.start_time = now;
    stage.sessions.push_back(std::move(s));
    EmitStageEvent(state, stage, stage.sessions.back(), "Session Created", nullptr, now);
    return stage.sessions.back();
}

void MaybeEndSession(State& state, StageRec& stage, SystemTime now) {
    auto* s = State::ActiveSession(stage);
    if (!s) return;
    bool anyone = std::any_of(s->participants.begin(), s->participants.end(),
                              [](const ParticipantRec& p) { return p.connected; });
    if (anyone) return;
    s->end_time = now;
    EmitStageEvent(state, stage, *s, "Session Ended", nullptr, now);
}

int CountPublished(const SessionRec* s, std::string_view except_id) {
    if (!s) return 0;
    return static_cast<int>(std::count_if(
        s->participants.begin(), s->participants.end(), [&](const ParticipantRec& p) {
            return p.connected && p.published && p.id != except_id;
        }));
}

void RecordEvent(State& state, const StageRec& stage, const SessionRec& session,
                 ParticipantRec& p, ParticipantEventRec event) {
    if (auto name = BridgeName(event.name); !name.empty()) {
        Emit(state, stage, session, name, &p, event.time, &event);
    }
    if (p.events.size() < kMaxEventsPerParticipant) p.events.push_back(std::move(event));
}

void EmitStageEvent(State& state, const StageRec& stage, const SessionRec& session,
                    std::string_view event_name, const ParticipantRec* p, SystemTime at) {
    Emit(state, stage, session, event_name, p, at, nullptr);
}

void StopReplication(State& state, ReplicationRec& r, SystemTime now) {
    if (!r.active) return;
    r.active = false;
    if (auto dest = state.stages.find(r.destination_stage_arn); dest != state.stages.end()) {
        auto* session = State::ActiveSession(dest->second);
        if (auto* replica = State::FindConnected(session, r.participant_id)) {
            if (replica->published) {
                RecordEvent(state, dest->second, *session, *replica,
                            {"PUBLISH_STOPPED", now, {}, {}, true});
            }
            replica->connected = false;
            replica->published = false;
            replica->replication_state = "STOPPED";
            RecordEvent(state, dest->second, *session, *replica, {"LEFT", now, {}, {}, true});
        }
        MaybeEndSession(state, dest->second, now);
    }
    auto src = state.stages.find(r.source_stage_arn);
    if (src == state.stages.end()) return;
    auto* session = State::ActiveSession(src->second);
    auto* p = State::FindConnected(session, r.participant_id);
    if (!p) return;
    RecordEvent(state, src->second, *session, *p,
                {"REPLICATION_STOPPED", now, r.destination_stage_arn, r.destination_session_id,
                 false});
    bool active = std::any_of(state.replications.begin(), state.replications.end(),
                              [&](const ReplicationRec& o) {
                                  return o.active && o.source_stage_arn == r.source_stage_arn &&
                                         o.participant_id == r.participant_id;
                              });
    p->replication_state = active ? "ACTIVE" : "STOPPED";
}

void Disconnect(State& state, StageRec& stage, ParticipantRec& p, SystemTime now) {
    std::string id = p.id;
    bool replica = p.replication_type == "REPLICA";
    auto* session = State::ActiveSession(stage);
    if (session && p.published) {
        RecordEvent(state, stage, *session, p, {"PUBLISH_STOPPED", now, {}, {}, replica});
    }
    p.connected = false;
    p.published = false;
    if (session) RecordEvent(state, stage, *session, p, {"LEFT", now, {}, {}, replica});
    for (auto& r : state.replications) {
        if (!r.active || r.participant_id != id) continue;
        bool as_source = !replica && r.source_stage_arn == stage.arn;
        bool as_replica = replica && r.destination_stage_arn == stage.arn;
        if (as_source || as_replica) StopReplication(state, r, now);
    }
    std::erase_if(state.media, [&](const auto& kv) {
        return kv.second.stage_arn == stage.arn && kv.second.participant_id == id && !replica;
    });
    MaybeEndSession(state, stage, now);
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

// --- control surface ---

Result<JoinResult> Emulator::Join(std::string_view stage_arn, std::string_view token) {
    if (auto st = CheckStageArn(stage_arn, "stageArn"); !st) return st.error();
    std::lock_guard lock(mu_);
    auto now = Millis(clock_.Now());
    auto admitted = Admit(*state_, stage_arn, token, now);
    if (!admitted) return admitted.error();
    return JoinWith(*state_, *admitted->stage, admitted->claims, options_, now);
}

Status Emulator::Publish(std::string_view stage_arn, std::string_view participant_id) {
    std::lock_guard lock(mu_);
    auto it = state_->stages.find(stage_arn);
    if (it == state_->stages.end()) return StageNotFound(stage_arn);
    return PublishIn(*state_, it->second, participant_id, options_, Millis(clock_.Now()));
}

Status Emulator::Unpublish(std::string_view stage_arn, std::string_view participant_id) {
    std::lock_guard lock(mu_);
    auto found = ConnectedInStage(*state_, stage_arn, participant_id);
    if (!found) return found.error();
    auto [stage, p] = *found;
    if (!p->published) return Ok();
    auto now = Millis(clock_.Now());
    p->published = false;
    RecordEvent(*state_, *stage, *State::ActiveSession(*stage), *p,
                {"PUBLISH_STOPPED", now, {}, {}, false});
    MirrorPublishedToReplicas(*state_, stage_arn, participant_id, false, now);
    return Ok();
}

Status Emulator::Leave(std::string_view stage_arn, std::string_view participant_id) {
    std::lock_guard lock(mu_);
    auto found = ConnectedInStage(*state_, stage_arn, participant_id);
    if (!found) return found.error();
    Disconnect(*state_, *found->stage, *found->participant, Millis(clock_.Now()));
    return Ok();
}

// --- media sessions ---

Result<MediaSession> Emulator::OpenMedia(std::string_view token, bool publish) {
    auto decoded = tokens::DecodeToken(token);
    if (!decoded) return Refused("malformed", decoded.error().message);
    std::string stage_arn;
    if (auto it = decoded->payload.find("resource");
        it != decoded->payload.end() && it->value().is_string()) {
        stage_arn = std::string(it->value().as_string());
    }
    if (!CheckStageArn(stage_arn, "resource")) {
        return Refused("invalid_claims", "the token's resource is not a stage ARN");
    }
    std::lock_guard lock(mu_);
    auto now = Millis(clock_.Now());
    auto admitted = Admit(*state_, stage_arn, token, now);
    if (!admitted) return admitted.error();
    StageRec& stage = *admitted->stage;
    const auto& claims = admitted->claims;
    if (publish ? !claims.allow_publish : !claims.allow_subscribe) {
        return Refused("insufficient_capabilities",
                       publish ? "the token does not allow publishing"
                               : "the token does not allow subscribing");
    }
    if (state_->media.size() >= kMaxMediaSessions) {
        return IvsError(kQuota, "Too many media sessions");
    }
    auto joined = JoinWith(*state_, stage, claims, options_, now);
    if (!joined) return joined.error();
    auto* p = State::FindConnected(State::ActiveSession(stage), joined->participant_id);
    if (p) p->protocol = "WHIP";
    if (publish) {
        if (auto st = PublishIn(*state_, stage, joined->participant_id, options_, now); !st) {
            if (p) Disconnect(*state_, stage, *p, now);
            return st.error();
        }
    } else if (p) {
        RecordEvent(*state_, stage, *State::ActiveSession(stage), *p,
                    {"SUBSCRIBE_STARTED", now, {}, {}, false});
    }
    MediaSession out{RandomAlnum(24), stage_arn, joined->participant_id, joined->session_id,
                     publish};
    state_->media[out.resource_id] = MediaRec{stage_arn, joined->participant_id, publish, now};
    return out;
}

Status Emulator::RefreshMedia(std::string_view resource_id) {
    std::lock_guard lock(mu_);
    auto it = state_->media.find(resource_id);
    if (it == state_->media.end()) return IvsError(kNotFound, "No such WHIP session");
    it->second.last_seen = Millis(clock_.Now());
    return Ok();
}

Status Emulator::CloseMedia(std::string_view resource_id) {
    std::lock_guard lock(mu_);
    auto it = state_->media.find(resource_id);
    if (it == state_->media.end()) return IvsError(kNotFound, "No such WHIP session");
    MediaRec rec = it->second;
    state_->media.erase(it);
    StageRec* stage = nullptr;
    if (auto* p = FindInStage(*state_, rec.stage_arn, rec.participant_id, &stage)) {
        Disconnect(*state_, *stage, *p, Millis(clock_.Now()));
    }
    return Ok();
}

int Emulator::ExpireIdleMedia() {
    std::lock_guard lock(mu_);
    auto now = Millis(clock_.Now());
    std::vector<MediaRec> idle;
    std::erase_if(state_->media, [&](const auto& kv) {
        if (now - kv.second.last_seen <= options_.media_timeout) return false;
        idle.push_back(kv.second);
        return true;
    });
    for (const auto& rec : idle) {
        StageRec* stage = nullptr;
        if (auto* p = FindInStage(*state_, rec.stage_arn, rec.participant_id, &stage)) {
            Disconnect(*state_, *stage, *p, now);
        }
    }
    return static_cast<int>(idle.size());
}

void Emulator::SetEndpointBase(std::string base) {
    std::lock_guard lock(mu_);
    state_->endpoint_base = std::move(base);
}

void Emulator::SetEventSink(EventSink sink) {
    std::lock_guard lock(mu_);
    state_->sink = std::move(sink);
}

}  // namespace ivs::emulator
