// Participant replication between stages.

#include <algorithm>

#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_state.hpp"

namespace ivs::emulator {
namespace {

using State = Emulator::State;

}  // namespace

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

    auto& dst_session = EnsureSession(*state_, dst->second, now);
    auto existing = std::find_if(dst_session.participants.begin(), dst_session.participants.end(),
                                 [&](const ParticipantRec& q) { return q.id == replica.id; });
    ParticipantRec* placed = nullptr;
    if (existing != dst_session.participants.end()) {
        replica.first_join_time = existing->first_join_time;
        replica.events = std::move(existing->events);
        *existing = std::move(replica);
        placed = &*existing;
    } else {
        dst_session.participants.push_back(std::move(replica));
        placed = &dst_session.participants.back();
    }
    state_->replications.push_back({req.source_stage_arn, req.participant_id, source_session_id,
                                    req.destination_stage_arn, dst_session.id, true});
    RecordEvent(*state_, dst->second, dst_session, *placed, {"JOINED", now, {}, {}, true});
    if (placed->published) {
        RecordEvent(*state_, dst->second, dst_session, *placed,
                    {"PUBLISH_STARTED", now, {}, {}, true});
    }
    RecordEvent(*state_, src->second, *src_session, *p,
                {"REPLICATION_STARTED", now, req.destination_stage_arn, dst_session.id, false});
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

}  // namespace ivs::emulator
