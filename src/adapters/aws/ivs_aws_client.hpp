#pragma once

// The IvsClient port over the real Amazon IVS Real-Time API (ivsrealtime, restJson1): SigV4
// (signing name "ivs") over the HTTP(S) client, endpoint IVS_ENDPOINT or
// https://ivsrealtime.<AWS_REGION>.amazonaws.com.
//
// Every call: waits for its operation's token bucket (IVS_STAGE_TPS for stage and participant
// operations, IVS_TOKEN_TPS for CreateParticipantToken, 3 TPS for public keys, 10 TPS for tags;
// a full queue fails at once with Errc::rate_limited), then makes up to 1 + IVS_MAX_RETRIES
// attempts of IVS_TIMEOUT_MS each. Attempts are retried after an exponential backoff with full
// jitter on HTTP 429, throttling error codes, 500/502/503/504 and network failures. Errors map
// as documented in ports/ivs_client.hpp; details carry "ivsError" (and "httpStatus"). AWS
// authentication failures (SignatureDoesNotMatch, InvalidClientTokenId, expired tokens) map to
// Errc::unavailable with a message naming the credentials problem.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "adapters/aws/credentials.hpp"
#include "adapters/aws/http_client.hpp"
#include "ports/ivs_client.hpp"

namespace ivs::aws {

struct AwsIvsClientOptions {
    std::string endpoint;  // full URL; empty: https://ivsrealtime.<region>.amazonaws.com
    std::string region = "us-east-1";
    double stage_tps = 5;
    double token_tps = 50;
    double public_key_tps = 3;
    double tag_tps = 10;
    int max_retries = 4;
    std::chrono::milliseconds attempt_timeout{5000};
    std::chrono::milliseconds backoff_base{100};  // first retry waits up to this much
    std::chrono::milliseconds backoff_cap{5000};
    int max_queued_per_operation = 64;
    std::chrono::milliseconds max_queue_wait{10000};
    const Clock* clock = &SystemClock::Instance();  // signing time
};

// Thread-safe (see ports::IvsClient). `http` must outlive the client.
std::shared_ptr<ports::IvsClient> MakeAwsIvsClient(std::shared_ptr<HttpClient> http,
                                                   std::shared_ptr<CredentialsProvider> credentials,
                                                   AwsIvsClientOptions options);

}  // namespace ivs::aws
