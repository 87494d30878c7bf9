#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/tokens/es384_key.hpp"
#include "adapters/tokens/es384_signer.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "ports/ivs_client.hpp"

namespace ivs::tokens {

// The claim set of an IVS Real-Time participant token (self-signed key-pair method):
// exp, iat, jti, resource, topic, events_url, whip_url, capabilities, version, user_id,
// attributes. Pure functions; thread-safe.
struct ParticipantClaims {
    std::string participant_id;  // jti, [A-Za-z0-9-]
    std::string stage_arn;       // resource
    std::string topic;           // stage id (last ARN segment)
    std::string events_url;
    std::string whip_url;
    bool allow_publish = false;
    bool allow_subscribe = false;
    std::string user_id;          // omitted from the token when empty
    ports::Tags attributes;       // omitted when empty
    SystemTime issued_at;         // iat (whole seconds)
    SystemTime expires_at;        // exp (whole seconds)
};

// "abcdABCDefgh" from "arn:aws:ivs:us-east-1:123456789012:stage/abcdABCDefgh"; empty if no '/'.
std::string StageIdFromArn(std::string_view stage_arn);

// The payload object exactly as it goes into the token.
boost::json::object ClaimsToJson(const ParticipantClaims& claims);

// header {"alg":"ES384","typ":"JWT","kid":kid} . payload . base64url(r||s).
// internal error only when signing fails (key without private part).
Result<std::string> EncodeParticipantToken(const Es384Key& key, std::string_view kid,
                                           const ParticipantClaims& claims);
// The same token signed by `signer` (Nettle or OpenSSL): byte-compatible, either verifies it.
Result<std::string> EncodeParticipantToken(const Es384Signer& signer, std::string_view kid,
                                           const ParticipantClaims& claims);

struct DecodedToken {
    boost::json::object header;
    boost::json::object payload;
    std::string kid;
    std::string signing_input;  // "<header b64>.<payload b64>"
    std::string signature;      // raw bytes
};

// Splits and parses a compact JWS without checking the signature. invalid_argument on
// malformed input.
Result<DecodedToken> DecodeToken(std::string_view token);

// Why a join was refused (Error::details["reason"] of VerifyParticipantToken).
//   "malformed", "unsupported_alg", "unknown_key", "bad_signature", "expired",
//   "wrong_stage", "invalid_claims"
// Checks a token the way IVS does when a participant joins `stage_arn`: ES384 signature by the
// key named by `kid` (looked up through `key_for`), `exp` in the future, `resource` and `topic`
// naming the stage. Errors are Errc::unauthorized with details["reason"].
Result<ParticipantClaims> VerifyParticipantToken(
    std::string_view token,
    const std::function<std::optional<Es384Key>(std::string_view kid)>& key_for, SystemTime now,
    std::string_view stage_arn);

}  // namespace ivs::tokens
