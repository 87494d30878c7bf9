#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace ivs::ports {

// Amazon IVS Real-Time (ivsrealtime, API 2020-07-14), the operations this server uses.
// Field names follow the AWS model. Errors map IVS exceptions onto Errc:
//   ValidationException -> invalid_argument, ResourceNotFoundException -> not_found,
//   ConflictException -> conflict, ServiceQuotaExceededException -> quota_exceeded,
//   AccessDenied/PendingVerification -> forbidden, throttling still failing after retries ->
//   rate_limited, 5xx / network / deadline -> unavailable (or timeout).
// Error::details["ivsError"] carries the IVS error type name when there is one.

using Tags = std::map<std::string, std::string>;

struct StageEndpoints {
    std::string events;
    std::string whip;
    std::string rtmp;
    std::string rtmps;
};

struct Stage {
    std::string arn;
    std::string name;
    std::string active_session_id;
    Tags tags;
    StageEndpoints endpoints;
    boost::json::object raw;  // the Stage object exactly as IVS returned it
};

struct StageSummary {
    std::string arn;
    std::string name;
    std::string active_session_id;
    Tags tags;
};

template <class T>
struct Page {
    std::vector<T> items;
    std::string next_token;  // empty on the last page
};

struct CreateStageRequest {
    std::string name;
    Tags tags;
};

enum class Capability { publish, subscribe };

// A stage's endpoints by ARN (what a self-signed token carries as whip_url / events_url).
using StageEndpointLookup =
    std::function<boost::asio::awaitable<Result<StageEndpoints>>(std::string arn)>;

struct CreateTokenRequest {
    std::string stage_arn;
    std::string user_id;
    int duration_minutes = 720;
    Tags attributes;
    std::vector<Capability> capabilities;  // empty: IVS default (both)
    // Self-signed tokens: the participant id (jti) to use, from TokenSigner::NewParticipantId;
    // empty: a fresh one. IVS chooses its own and ignores this.
    std::string participant_id;
};

struct ParticipantToken {
    std::string token;
    std::string participant_id;
    std::string user_id;
    Tags attributes;
    std::vector<Capability> capabilities;
    int duration_minutes = 0;
    SystemTime expiration_time;
};

struct ListParticipantsRequest {
    std::string stage_arn;
    std::string session_id;
    std::optional<bool> filter_by_published;
    std::string filter_by_state;  // "CONNECTED" / "DISCONNECTED" / empty
    std::string filter_by_user_id;
    std::string next_token;
    int max_results = 50;
};

struct ParticipantSummary {
    std::string participant_id;
    std::string user_id;
    std::string state;  // CONNECTED | DISCONNECTED
    SystemTime first_join_time;
    bool published = false;
    std::string replication_type;   // SOURCE | REPLICA | NONE
    std::string replication_state;  // ACTIVE | STOPPED
    std::string source_stage_arn;
};

struct StageSession {
    std::string session_id;
    SystemTime start_time;
    std::optional<SystemTime> end_time;
};

struct ReplicationRequest {
    std::string source_stage_arn;
    std::string destination_stage_arn;
    std::string participant_id;
    int reconnect_window_seconds = 0;
    Tags attributes;
};

struct ParticipantReplica {
    std::string source_stage_arn;
    std::string participant_id;
    std::string source_session_id;
    std::string destination_stage_arn;
    std::string destination_session_id;
    std::string replication_state;
};

struct PublicKey {
    std::string arn;
    std::string name;
    std::string public_key_material;
    std::string fingerprint;
    Tags tags;
};

// All methods are safe to call concurrently from any thread or coroutine.
class IvsClient {
public:
    template <class T>
    using Async = boost::asio::awaitable<Result<T>>;

    virtual ~IvsClient() = default;

    virtual Async<Stage> CreateStage(CreateStageRequest request) = 0;
    virtual Async<Stage> GetStage(std::string arn) = 0;
    virtual Async<Stage> UpdateStage(std::string arn, std::string name) = 0;
    virtual Async<void> DeleteStage(std::string arn) = 0;
    virtual Async<Page<StageSummary>> ListStages(std::string next_token, int max_results) = 0;

    virtual Async<ParticipantToken> CreateParticipantToken(CreateTokenRequest request) = 0;
    virtual Async<void> DisconnectParticipant(std::string stage_arn, std::string participant_id,
                                              std::string reason) = 0;
    virtual Async<Page<ParticipantSummary>> ListParticipants(ListParticipantsRequest request) = 0;
    virtual Async<Page<StageSession>> ListStageSessions(std::string stage_arn,
                                                        std::string next_token,
                                                        int max_results) = 0;

    virtual Async<void> StartParticipantReplication(ReplicationRequest request) = 0;
    virtual Async<void> StopParticipantReplication(std::string source_stage_arn,
                                                   std::string destination_stage_arn,
                                                   std::string participant_id) = 0;
    virtual Async<Page<ParticipantReplica>> ListParticipantReplicas(std::string source_stage_arn,
                                                                    std::string participant_id,
                                                                    std::string next_token,
                                                                    int max_results) = 0;

    virtual Async<PublicKey> ImportPublicKey(std::string public_key_material, std::string name,
                                             Tags tags) = 0;
    virtual Async<PublicKey> GetPublicKey(std::string arn) = 0;
    virtual Async<Page<PublicKey>> ListPublicKeys(std::string next_token, int max_results) = 0;
    virtual Async<void> DeletePublicKey(std::string arn) = 0;

    virtual Async<void> TagResource(std::string arn, Tags tags) = 0;
    virtual Async<void> UntagResource(std::string arn, std::vector<std::string> keys) = 0;
    virtual Async<Tags> ListTagsForResource(std::string arn) = 0;
};

}  // namespace ivs::ports
