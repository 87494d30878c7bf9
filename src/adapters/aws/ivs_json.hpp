#pragma once

// JSON (de)serialization of the ivsrealtime shapes, shared by the AWS adapter and the emulator
// (restJson1: field names as in the AWS model, timestamps as RFC 3339 strings). Pure functions,
// thread-safe. Parsers are lenient about missing optional members (IVS omits empty ones) and fail
// with Errc::internal only when a required member is missing or has the wrong type.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "ports/ivs_client.hpp"

namespace ivs::aws::ivs_json {

boost::json::object TagsToJson(const ports::Tags& tags);
ports::Tags TagsFromJson(const boost::json::value* v);

// ["PUBLISH", "SUBSCRIBE"] as the model spells them.
boost::json::array CapabilitiesToJson(const std::vector<ports::Capability>& caps);

boost::json::object CreateStageBody(const ports::CreateStageRequest& r);
boost::json::object CreateTokenBody(const ports::CreateTokenRequest& r);
boost::json::object ListParticipantsBody(const ports::ListParticipantsRequest& r);
boost::json::object StartReplicationBody(const ports::ReplicationRequest& r);
// {"nextToken"?: ..., "maxResults": n} merged into `body`.
void AddPaging(boost::json::object& body, const std::string& next_token, int max_results);

Result<ports::Stage> ParseStage(const boost::json::value& v);
Result<ports::StageSummary> ParseStageSummary(const boost::json::value& v);
Result<ports::ParticipantToken> ParseParticipantToken(const boost::json::value& v);
Result<ports::ParticipantSummary> ParseParticipantSummary(const boost::json::value& v);
Result<ports::StageSession> ParseStageSession(const boost::json::value& v);
Result<ports::ParticipantReplica> ParseParticipantReplica(const boost::json::value& v);
Result<ports::PublicKey> ParsePublicKey(const boost::json::value& v);

// The response shapes of the same model, as the emulator writes them (timestamps RFC 3339 with
// milliseconds, "2026-01-02T03:04:05.678Z").
boost::json::object StageToJson(const ports::Stage& stage);  // without `raw`
boost::json::object StageSummaryToJson(const ports::StageSummary& stage);
boost::json::object ParticipantTokenToJson(const ports::ParticipantToken& token);
boost::json::object ParticipantSummaryToJson(const ports::ParticipantSummary& p);
boost::json::object StageSessionToJson(const ports::StageSession& s);
boost::json::object ReplicaToJson(const ports::ParticipantReplica& r);
boost::json::object PublicKeyToJson(const ports::PublicKey& key);
boost::json::object PublicKeySummaryToJson(const ports::PublicKey& key);

// Reads `list_key` (an array) and `nextToken` from a List* response.
template <class T>
Result<ports::Page<T>> ParsePage(const boost::json::object& body, std::string_view list_key,
                                 Result<T> (*parse)(const boost::json::value&)) {
    ports::Page<T> page;
    const auto* list = body.if_contains(list_key);
    if (!list || !list->is_array()) {
        return Error(Errc::internal, "IVS response lacks the '" + std::string(list_key) + "' list");
    }
    for (const auto& item : list->as_array()) {
        auto parsed = parse(item);
        if (!parsed) return parsed.error();
        page.items.push_back(std::move(*parsed));
    }
    if (const auto* next = body.if_contains("nextToken"); next && next->is_string()) {
        page.next_token = std::string(next->as_string());
    }
    return page;
}

}  // namespace ivs::aws::ivs_json
