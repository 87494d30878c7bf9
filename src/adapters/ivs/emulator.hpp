#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "ports/ivs_client.hpp"

namespace ivs::emulator {

// The IVS error types the emulator answers with (AWS shape names).
inline constexpr std::string_view kValidation = "ValidationException";
inline constexpr std::string_view kNotFound = "ResourceNotFoundException";
inline constexpr std::string_view kConflict = "ConflictException";
inline constexpr std::string_view kQuota = "ServiceQuotaExceededException";
inline constexpr std::string_view kAccessDenied = "AccessDeniedException";
inline constexpr std::string_view kInternal = "InternalServerException";

// An Error carrying the IVS error type in details["ivsError"], with the Errc documented in
// ports/ivs_client.hpp (ValidationException -> invalid_argument, ...). Throttling types and
// HTTP 429 map to rate_limited, 5xx types to unavailable.
Error IvsError(std::string_view type, std::string message);
// details["ivsError"] of an error, or "" when it has none.
std::string IvsErrorType(const Error& error);
// The HTTP status IVS uses for an error type (model httpError traits; 400 when unknown).
unsigned HttpStatusForIvsError(std::string_view type);

struct EmulatorOptions {
    std::string region = "us-east-1";
    std::string account_id = "123456789012";
    int max_stages = 1000;
    int max_publishers_per_stage = 12;
    int max_subscribers_per_stage = 10'000;
    int max_replicas_per_participant = 5;
    int max_public_keys = 3;
    // A media session (WHIP or subscribe) without a refresh (PATCH) for this long is ended, as
    // IVS ends a participant whose connection stops answering (ICE consent freshness).
    std::chrono::seconds media_timeout{30};
    Clock* clock = nullptr;  // nullptr: SystemClock::Instance()
};

// What a participant gets when it joins a stage (control API).
struct JoinResult {
    std::string participant_id;
    std::string session_id;
};

// What a WHIP (publisher) or subscribe request opened: the resource its Location names.
struct MediaSession {
    std::string resource_id;  // unguessable; the Location is <base>/whip/<resource_id>
    std::string stage_arn;
    std::string participant_id;
    std::string session_id;
    bool publisher = false;
};

// Receives the EventBridge events the emulator emits ("IVS Stage Update", AWS envelope:
// version, id, detail-type, source "aws.ivs", account, time, region, resources, detail), in
// the order they happened. Called with the emulator's lock held: it must not block and must
// not call back into the emulator (queue the event and return).
using EventSink = std::function<void(boost::json::object event)>;

// A canned failure for the next API calls (fault injection for client retry tests).
struct Fault {
    unsigned status = 503;
    std::string error_type = "ServiceUnavailableException";
    std::string message = "injected fault";
};

// An in-memory Amazon IVS Real-Time (ivsrealtime 2020-07-14) with the model's semantics:
// ARNs and ids in the real formats, name/length/pattern checks, quotas, stage sessions,
// participants, participant replication, public keys, tags, stage endpoints, opaque
// pagination tokens. Every operation returns the IVS error a real call would give (see
// IvsError): ValidationException, ResourceNotFoundException, ConflictException,
// ServiceQuotaExceededException.
//
// Beyond the API, a control surface acts as the IVS client SDKs would (there is no media):
// a participant joins with a token (verified like IVS: ES384 signature by the key named in
// `kid` (an imported public key, or the emulator's own key for CreateParticipantToken
// tokens), `exp` in the future, `resource`/`topic` naming the stage), publishes, unpublishes
// and leaves. A stage session starts when the first participant joins and ends when the last
// one leaves.
//
// List operations take `max_results` 1-100 (ListParticipantReplicas 1-50); 0 or less is a
// ValidationException like on the wire (pass 50 for the IVS default).
//
// Thread-safe: one mutex guards all state.
class Emulator {
public:
    explicit Emulator(EmulatorOptions options = {});
    ~Emulator();
    Emulator(const Emulator&) = delete;
    Emulator& operator=(const Emulator&) = delete;

    const EmulatorOptions& options() const { return options_; }

    // --- the IVS API ---
    Result<ports::Stage> CreateStage(const ports::CreateStageRequest& request);
    Result<ports::Stage> GetStage(std::string_view arn);
    Result<ports::Stage> UpdateStage(std::string_view arn, std::string_view name);
    Status DeleteStage(std::string_view arn);
    Result<ports::Page<ports::StageSummary>> ListStages(std::string_view next_token,
                                                        int max_results);

    Result<ports::ParticipantToken> CreateParticipantToken(const ports::CreateTokenRequest& req);
    Status DisconnectParticipant(std::string_view stage_arn, std::string_view participant_id,
                                 std::string_view reason);
    Result<ports::Page<ports::ParticipantSummary>> ListParticipants(
        const ports::ListParticipantsRequest& request);
    Result<ports::Page<ports::StageSession>> ListStageSessions(std::string_view stage_arn,
                                                               std::string_view next_token,
                                                               int max_results);

    Status StartParticipantReplication(const ports::ReplicationRequest& request);
    Status StopParticipantReplication(std::string_view source_stage_arn,
                                      std::string_view destination_stage_arn,
                                      std::string_view participant_id);
    Result<ports::Page<ports::ParticipantReplica>> ListParticipantReplicas(
        std::string_view source_stage_arn, std::string_view participant_id,
        std::string_view next_token, int max_results);

    Result<ports::PublicKey> ImportPublicKey(std::string_view material, std::string_view name,
                                             const ports::Tags& tags);
    Result<ports::PublicKey> GetPublicKey(std::string_view arn);
    Result<ports::Page<ports::PublicKey>> ListPublicKeys(std::string_view next_token,
                                                         int max_results);
    Status DeletePublicKey(std::string_view arn);

    Status TagResource(std::string_view arn, const ports::Tags& tags);
    Status UntagResource(std::string_view arn, const std::vector<std::string>& keys);
    Result<ports::Tags> ListTagsForResource(std::string_view arn);

    // --- control surface (what IVS client SDKs would do) ---
    // Joins `stage_arn` with a participant token. Errors: ResourceNotFoundException (no such
    // stage), AccessDeniedException with details["reason"] (see tokens::VerifyParticipantToken)
    // when the token is refused, ServiceQuotaExceededException when the stage is full.
    Result<JoinResult> Join(std::string_view stage_arn, std::string_view token);
    // The participant must be connected in the stage's active session and allowed to publish
    // (else AccessDeniedException); at most 12 publishers per stage.
    Status Publish(std::string_view stage_arn, std::string_view participant_id);
    Status Unpublish(std::string_view stage_arn, std::string_view participant_id);
    // Disconnects; replications whose source this participant is stop.
    Status Leave(std::string_view stage_arn, std::string_view participant_id);

    // --- media sessions: what WHIP (publish) and subscribe requests do ---
    // Joins the stage the token names (`resource`), verified like Join, and publishes when
    // `publish` (the token must allow publishing) or subscribes (the token must allow
    // subscribing). AccessDeniedException with details["reason"] when refused
    // ("insufficient_capabilities" for a missing capability).
    Result<MediaSession> OpenMedia(std::string_view token, bool publish);
    // Keeps a media session alive (WHIP PATCH). ResourceNotFoundException when unknown.
    Status RefreshMedia(std::string_view resource_id);
    // Unpublishes and leaves (WHIP DELETE). ResourceNotFoundException when unknown.
    Status CloseMedia(std::string_view resource_id);
    // Ends media sessions idle for longer than media_timeout; returns how many.
    int ExpireIdleMedia();

    // --- operations the IvsClient port does not need (answered as model JSON shapes) ---
    Result<boost::json::object> GetParticipant(std::string_view stage_arn,
                                               std::string_view session_id,
                                               std::string_view participant_id);
    Result<boost::json::object> GetStageSession(std::string_view stage_arn,
                                                std::string_view session_id);
    Result<boost::json::object> ListParticipantEvents(std::string_view stage_arn,
                                                      std::string_view session_id,
                                                      std::string_view participant_id,
                                                      std::string_view next_token,
                                                      int max_results);
    // autoParticipantRecordingConfiguration of a stage, as given to Create/UpdateStage
    // (validated by CheckRecordingConfiguration).
    Status SetRecordingConfiguration(std::string_view stage_arn, boost::json::object config);

    // Where the emulator's own front answers ("http://127.0.0.1:4566"): stages created after
    // this get endpoints.whip = <base>/whip, so their tokens lead participants here.
    void SetEndpointBase(std::string base);
    void SetEventSink(EventSink sink);

    // --- fault injection (used by the wire server and the in-process client) ---
    // The next `count` API calls fail with `fault` instead of running.
    void InjectFaults(Fault fault, int count);
    void ClearFaults();
    // Consumes one pending fault, if any.
    std::optional<Fault> TakeFault();
    // API calls answered so far (including injected faults); control calls excluded.
    std::uint64_t ApiCalls() const;
    void CountApiCall();

    // ARN that the emulator's own tokens carry as `kid` (not listed by ListPublicKeys).
    std::string InternalKeyArn() const;

    struct State;

private:

    EmulatorOptions options_;
    Clock& clock_;
    mutable std::mutex mu_;
    std::unique_ptr<State> state_;
};

}  // namespace ivs::emulator
