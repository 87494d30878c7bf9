#include "adapters/aws/ivs_json.hpp"

#include "core/time_format.hpp"

namespace ivs::aws::ivs_json {

namespace json = boost::json;

namespace {

Error Malformed(std::string_view shape, std::string_view member) {
    return Error(Errc::internal, "IVS returned a " + std::string(shape) + " without a valid '" +
                                     std::string(member) + "'");
}

const json::object* AsObject(const json::value& v) { return v.is_object() ? &v.as_object() : nullptr; }

std::string Str(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool Bool(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_bool() && v->as_bool();
}

int Int(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v) return 0;
    if (v->is_int64()) return static_cast<int>(v->as_int64());
    if (v->is_uint64()) return static_cast<int>(v->as_uint64());
    if (v->is_double()) return static_cast<int>(v->as_double());
    return 0;
}

// RFC 3339 string (restJson1 date-time); epoch seconds are accepted as well.
std::optional<SystemTime> Time(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_string()) return ParseIso8601(v->as_string());
    if (v->is_number()) {
        double secs = v->to_number<double>();
        return SystemTime(std::chrono::milliseconds(static_cast<std::int64_t>(secs * 1000)));
    }
    return std::nullopt;
}

std::vector<ports::Capability> Capabilities(const json::object& o) {
    std::vector<ports::Capability> out;
    const auto* v = o.if_contains("capabilities");
    if (!v || !v->is_array()) return out;
    for (const auto& c : v->as_array()) {
        if (!c.is_string()) continue;
        if (c.as_string() == "PUBLISH") out.push_back(ports::Capability::publish);
        if (c.as_string() == "SUBSCRIBE") out.push_back(ports::Capability::subscribe);
    }
    return out;
}

}  // namespace

json::object TagsToJson(const ports::Tags& tags) {
    json::object o;
    for (const auto& [k, v] : tags) o[k] = v;
    return o;
}

ports::Tags TagsFromJson(const json::value* v) {
    ports::Tags out;
    if (!v || !v->is_object()) return out;
    for (const auto& [k, val] : v->as_object()) {
        if (val.is_string()) out[std::string(k)] = std::string(val.as_string());
    }
    return out;
}

json::array CapabilitiesToJson(const std::vector<ports::Capability>& caps) {
    json::array out;
    for (auto c : caps) {
        out.emplace_back(c == ports::Capability::publish ? "PUBLISH" : "SUBSCRIBE");
    }
    return out;
}

json::object CreateStageBody(const ports::CreateStageRequest& r) {
    json::object o;
    if (!r.name.empty()) o["name"] = r.name;
    if (!r.tags.empty()) o["tags"] = TagsToJson(r.tags);
    return o;
}

json::object CreateTokenBody(const ports::CreateTokenRequest& r) {
    json::object o;
    o["stageArn"] = r.stage_arn;
    if (!r.user_id.empty()) o["userId"] = r.user_id;
    o["duration"] = r.duration_minutes;
    if (!r.attributes.empty()) o["attributes"] = TagsToJson(r.attributes);
    if (!r.capabilities.empty()) o["capabilities"] = CapabilitiesToJson(r.capabilities);
    return o;
}

json::object ListParticipantsBody(const ports::ListParticipantsRequest& r) {
    json::object o;
    o["stageArn"] = r.stage_arn;
    o["sessionId"] = r.session_id;
    if (r.filter_by_published) o["filterByPublished"] = *r.filter_by_published;
    if (!r.filter_by_state.empty()) o["filterByState"] = r.filter_by_state;
    if (!r.filter_by_user_id.empty()) o["filterByUserId"] = r.filter_by_user_id;
    AddPaging(o, r.next_token, r.max_results);
    return o;
}

json::object StartReplicationBody(const ports::ReplicationRequest& r) {
    json::object o;
    o["sourceStageArn"] = r.source_stage_arn;
    o["destinationStageArn"] = r.destination_stage_arn;
    o["participantId"] = r.participant_id;
    if (r.reconnect_window_seconds != 0) o["reconnectWindowSeconds"] = r.reconnect_window_seconds;
    if (!r.attributes.empty()) o["attributes"] = TagsToJson(r.attributes);
    return o;
}

void AddPaging(json::object& body, const std::string& next_token, int max_results) {
    if (!next_token.empty()) body["nextToken"] = next_token;
    body["maxResults"] = max_results;
}

Result<ports::Stage> ParseStage(const json::value& v) {
    const auto* o = AsObject(v);
    if (!o || Str(*o, "arn").empty()) return Malformed("Stage", "arn");
    ports::Stage s;
    s.arn = Str(*o, "arn");
    s.name = Str(*o, "name");
    s.active_session_id = Str(*o, "activeSessionId");
    s.tags = TagsFromJson(o->if_contains("tags"));
    if (const auto* e = o->if_contains("endpoints"); e && e->is_object()) {
        const auto& eo = e->as_object();
        s.endpoints = {Str(eo, "events"), Str(eo, "whip"), Str(eo, "rtmp"), Str(eo, "rtmps")};
    }
    s.raw = *o;
    return s;
}

Result<ports::StageSummary> ParseStageSummary(const json::value& v) {
    const auto* o = AsObject(v);
    if (!o || Str(*o, "arn").empty()) return Malformed("StageSummary", "arn");
    return ports::StageSummary{Str(*o, "arn"), Str(*o, "name"), Str(*o, "activeSessionId"),
                               TagsFromJson(o->if_contains("tags"))};
}

Result<ports::ParticipantToken> ParseParticipantToken(const json::value& v) {
    const auto* o = AsObject(v);
    if (!o || Str(*o, "token").empty()) return Malformed("ParticipantToken", "token");
    ports::ParticipantToken t;
    t.token = Str(*o, "token");
    t.participant_id = Str(*o, "participantId");
    t.user_id = Str(*o, "userId");
    t.attributes = TagsFromJson(o->if_contains("attributes"));
    t.capabilities = Capabilities(*o);
    t.duration_minutes = Int(*o, "duration");
    if (auto exp = Time(*o, "expirationTime")) t.expiration_time = *exp;
    return t;
}

Result<ports::ParticipantSummary> ParseParticipantSummary(const json::value& v) {
    const auto* o = AsObject(v);
    if (!o || Str(*o, "participantId").empty()) {
        return Malformed("ParticipantSummary", "participantId");
    }
    ports::ParticipantSummary p;
    p.participant_id = Str(*o, "participantId");
    p.user_id = Str(*o, "userId");
    p.state = Str(*o, "state");
    if (auto t = Time(*o, "firstJoinTime")) p.first_join_time = *t;
    p.published = Bool(*o, "published");
    p.replication_type = Str(*o, "replicationType");
    p.replication_state = Str(*o, "replicationState");
    p.source_stage_arn = Str(*o, "sourceStageArn");
    return p;
}

Result<ports::StageSession> ParseStageSession(const json::value& v) {
    const auto* o = AsObject(v);
    if (!o || Str(*o, "sessionId").empty()) return Malformed("StageSession", "sessionId");
    ports::StageSession s;
    s.session_id = Str(*o, "sessionId");
    if (auto t = Time(*o, "startTime")) s.start_time = *t;
    s.end_time = Time(*o, "endTime");
    return s;
}

Result<ports::ParticipantReplica> ParseParticipantReplica(const json::value& v) {
    const auto* o = AsObject(v);
    if (!o || Str(*o, "participantId").empty()) {
        return Malformed("ParticipantReplica", "participantId");
    }
    return ports::ParticipantReplica{Str(*o, "sourceStageArn"),     Str(*o, "participantId"),
                                     Str(*o, "sourceSessionId"),    Str(*o, "destinationStageArn"),
                                     Str(*o, "destinationSessionId"), Str(*o, "replicationState")};
}

Result<ports::PublicKey> ParsePublicKey(const json::value& v) {
    const auto* o = AsObject(v);
    if (!o || Str(*o, "arn").empty()) return Malformed("PublicKey", "arn");
    return ports::PublicKey{Str(*o, "arn"), Str(*o, "name"), Str(*o, "publicKeyMaterial"),
                            Str(*o, "fingerprint"), TagsFromJson(o->if_contains("tags"))};
}

}  // namespace ivs::aws::ivs_json
