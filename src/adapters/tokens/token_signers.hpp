#pragma once

#include <memory>
#include <string>

#include "adapters/tokens/es384_key.hpp"
#include "adapters/tokens/es384_signer.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "ports/ivs_client.hpp"
#include "ports/token_signer.hpp"

namespace ivs::tokens {

// The limits CreateParticipantToken applies: duration 1-20160 minutes, userId <= 128 chars,
// attributes <= 1 KB in total (keys plus values), at most the two capabilities.
// invalid_argument naming the field otherwise.
Status ValidateTokenRequest(const ports::CreateTokenRequest& request);

// Signs ES384 participant tokens locally with `key` (header kid = `public_key_arn`, which IVS
// uses to find the imported public key). The stage's events/whip endpoints come from
// `endpoints` (the server passes its stage directory, which caches them and learns the stages
// other instances create, so a join burst does not spend IVS's 5 TPS GetStage quota). The
// participant id (jti) is 12 random alphanumerics. `library` computes the signatures (the
// tokens are the same either way). Errors: invalid_argument for bad input, whatever the lookup
// returns (not_found for an unknown stage, unavailable, ...). Throws std::runtime_error when
// the key cannot be used by `library`.
std::shared_ptr<ports::TokenSigner> MakeSelfTokenSigner(
    ports::StageEndpointLookup endpoints, const Es384Key& key, std::string public_key_arn,
    Clock& clock, Es384Library library = Es384Library::nettle);


// Calls CreateParticipantToken for every token.
std::shared_ptr<ports::TokenSigner> MakeApiTokenSigner(std::shared_ptr<ports::IvsClient> ivs);

}  // namespace ivs::tokens
