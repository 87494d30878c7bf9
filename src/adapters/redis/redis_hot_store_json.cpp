#include "adapters/redis/redis_hot_store_json.hpp"

#include <boost/json.hpp>

#include "core/json_fields.hpp"
#include "core/time_format.hpp"

namespace ivs::adapters::redis {
namespace json = boost::json;
using ports::PublisherState;
using ports::ReplicationRecord;

std::string PublisherToJson(const PublisherState& p) {
    json::object o{{"live", p.live},
                   {"participantId", p.participant_id},
                   {"userId", p.user_id},
                   {"stageArn", p.stage_arn},
                   {"since", ToUnixMillis(p.since)},
                   {"updatedAt", ToUnixMillis(p.updated_at)},
                   {"source", p.source}};
    return json::serialize(o);
}

std::optional<PublisherState> PublisherFromJson(const std::string& text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto& o = v.as_object();
    PublisherState p;
    p.live = json_fields::Bool(o, "live");
    p.participant_id = json_fields::String(o, "participantId");
    p.user_id = json_fields::String(o, "userId");
    p.stage_arn = json_fields::String(o, "stageArn");
    p.since = json_fields::UnixMillis(o, "since");
    p.updated_at = json_fields::UnixMillis(o, "updatedAt");
    p.source = json_fields::String(o, "source");
    return p;
}

std::string ReplicationToJson(const ReplicationRecord& r) {
    json::object o{{"destinationStageArn", r.destination_stage_arn},
                   {"sourceStageArn", r.source_stage_arn},
                   {"participantId", r.participant_id},
                   {"active", r.active},
                   {"updatedAt", ToUnixMillis(r.updated_at)}};
    return json::serialize(o);
}

std::optional<ReplicationRecord> ReplicationFromJson(const std::string& text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto& o = v.as_object();
    ReplicationRecord r;
    r.destination_stage_arn = json_fields::String(o, "destinationStageArn");
    r.source_stage_arn = json_fields::String(o, "sourceStageArn");
    r.participant_id = json_fields::String(o, "participantId");
    r.active = json_fields::Bool(o, "active");
    r.updated_at = json_fields::UnixMillis(o, "updatedAt");
    return r;
}

}  // namespace ivs::adapters::redis
