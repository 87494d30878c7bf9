#include "adapters/aws/ivs_json.hpp"
#include "core/time_format.hpp"

// The response shapes, as the emulator writes them.
namespace ivs::aws::ivs_json {
namespace json = boost::json;

namespace {

// The members a Stage and a StageSummary share.
template <class S>
json::object StageSummaryMembers(const S& s) {
    json::object o;
    o["arn"] = s.arn;
    o["name"] = s.name;
    if (!s.active_session_id.empty()) o["activeSessionId"] = s.active_session_id;
    o["tags"] = TagsToJson(s.tags);
    return o;
}

}  // namespace

json::object StageToJson(const ports::Stage& s) {
    json::object o = StageSummaryMembers(s);
    o["autoParticipantRecordingConfiguration"] =
        json::object{{"storageConfigurationArn", ""},
                     {"mediaTypes", json::array{"AUDIO_VIDEO"}},
                     {"thumbnailConfiguration", json::object{{"targetIntervalSeconds", 60},
                                                             {"storage", json::array{"SEQUENTIAL"}},
                                                             {"recordingMode", "DISABLED"}}},
                     {"recordingReconnectWindowSeconds", 0},
                     {"hlsConfiguration", json::object{{"targetSegmentDurationSeconds", 6}}},
                     {"recordParticipantReplicas", true}};
    o["endpoints"] = json::object{{"events", s.endpoints.events},
                                  {"whip", s.endpoints.whip},
                                  {"rtmp", s.endpoints.rtmp},
                                  {"rtmps", s.endpoints.rtmps}};
    return o;
}

json::object StageSummaryToJson(const ports::StageSummary& s) { return StageSummaryMembers(s); }

json::object ParticipantTokenToJson(const ports::ParticipantToken& t) {
    json::object o;
    o["token"] = t.token;
    o["participantId"] = t.participant_id;
    if (!t.user_id.empty()) o["userId"] = t.user_id;
    o["attributes"] = TagsToJson(t.attributes);
    o["duration"] = t.duration_minutes;
    o["capabilities"] = CapabilitiesToJson(t.capabilities);
    o["expirationTime"] = FormatIso8601Millis(t.expiration_time);
    return o;
}

json::object ParticipantSummaryToJson(const ports::ParticipantSummary& p) {
    json::object o;
    o["participantId"] = p.participant_id;
    if (!p.user_id.empty()) o["userId"] = p.user_id;
    o["state"] = p.state;
    o["firstJoinTime"] = FormatIso8601Millis(p.first_join_time);
    o["published"] = p.published;
    o["recordingState"] = "DISABLED";
    o["replicationType"] = p.replication_type.empty() ? "NONE" : p.replication_type;
    if (!p.replication_state.empty()) o["replicationState"] = p.replication_state;
    if (!p.source_stage_arn.empty()) o["sourceStageArn"] = p.source_stage_arn;
    return o;
}

json::object StageSessionToJson(const ports::StageSession& s) {
    json::object o;
    o["sessionId"] = s.session_id;
    o["startTime"] = FormatIso8601Millis(s.start_time);
    if (s.end_time) o["endTime"] = FormatIso8601Millis(*s.end_time);
    return o;
}

json::object ReplicaToJson(const ports::ParticipantReplica& r) {
    return json::object{{"sourceStageArn", r.source_stage_arn},
                        {"participantId", r.participant_id},
                        {"sourceSessionId", r.source_session_id},
                        {"destinationStageArn", r.destination_stage_arn},
                        {"destinationSessionId", r.destination_session_id},
                        {"replicationState", r.replication_state}};
}

json::object PublicKeySummaryToJson(const ports::PublicKey& k) {
    return json::object{{"arn", k.arn}, {"name", k.name}, {"tags", TagsToJson(k.tags)}};
}

json::object PublicKeyToJson(const ports::PublicKey& k) {
    json::object o = PublicKeySummaryToJson(k);
    o["publicKeyMaterial"] = k.public_key_material;
    o["fingerprint"] = k.fingerprint;
    return o;
}

}  // namespace ivs::aws::ivs_json
