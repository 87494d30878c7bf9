#pragma once

#include <boost/asio/awaitable.hpp>

#include <string>

#include "core/error.hpp"
#include "ports/ivs_client.hpp"

namespace ivs::ports {

// Issues IVS participant tokens. Two adapters: self-signed ES384 JWTs (no IVS call per token)
// and CreateParticipantToken. Thread-safe. Errors: invalid_argument for bad input, not_found for
// an unknown stage, unavailable when IVS cannot be reached.
class TokenSigner {
public:
    virtual ~TokenSigner() = default;

    // `request.capabilities` must be non-empty. The returned participant id is the token's
    // `jti` (self-signed) or the one IVS chose.
    virtual boost::asio::awaitable<Result<ParticipantToken>> Issue(CreateTokenRequest request) = 0;

    virtual std::string_view Kind() const = 0;  // "self" or "api"

    // A participant id the next Issue will use when given it in `request.participant_id`, so a
    // caller can record it before signing; empty when IVS chooses it (after the call).
    virtual std::string NewParticipantId() const { return {}; }
};

}  // namespace ivs::ports
