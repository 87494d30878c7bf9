#pragma once

// AWS Signature Version 4 for requests signed in the Authorization header: the client side
// (SignRequest and its building blocks) and the server side (VerifyRequest, used by the IVS
// emulator). All functions are pure and thread-safe.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace ivs::aws {

// One set of AWS credentials. `session_token` is empty for long-term keys; `expiration` is set
// for temporary credentials (container/instance roles, STS).
struct Credentials {
    std::string access_key_id, secret_access_key, session_token;
    std::optional<SystemTime> expiration;
};

// A request as it will be sent (or as it was received).
struct HttpRequestToSign {
    std::string method;                 // "POST"
    std::string path;                   // as sent on the wire (already percent-encoded)
    std::string query;                  // raw query string without '?', may be empty
    std::vector<std::pair<std::string, std::string>> headers;  // as sent, any case; must hold host
    std::string body;
};

struct SigV4Params {
    std::string region, service;        // service = signing name ("ivs", "monitoring")
    SystemTime time;
    bool double_encode_path = true;     // false only for S3
    bool normalize_path = true;
    bool add_content_sha256_header = false;
};

// Adds X-Amz-Date, X-Amz-Security-Token (when the session token is set; signed) and
// Authorization. Every header already in `request.headers` is signed, so callers add only the
// headers they will send unchanged (host, content-type, ...). With add_content_sha256_header,
// X-Amz-Content-Sha256 is added and signed as well.
void SignRequest(HttpRequestToSign& request, const Credentials& creds, const SigV4Params& params);

// The canonical request for the given (lower-case, sorted or not) signed header names.
std::string CanonicalRequest(const HttpRequestToSign& r, const SigV4Params& p,
                             const std::vector<std::string>& signed_header_names);

// "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256(canonical request)>".
std::string StringToSign(std::string_view canonical_request, const SigV4Params& p);

// Lower-case hex HMAC signature of the string to sign with the key derived from `secret`.
std::string Signature(std::string_view secret, std::string_view string_to_sign, const SigV4Params& p);

// --- helpers also useful to callers ---

// "20150830T123600Z".
std::string AmzDate(SystemTime t);
// "<yyyymmdd>/<region>/<service>/aws4_request".
std::string CredentialScope(const SigV4Params& p);
// RFC 3986 percent-encoding of everything but unreserved characters (A-Z a-z 0-9 - _ . ~);
// '/' is kept when `keep_slash`.
std::string UriEncode(std::string_view s, bool keep_slash = false);

// Server side (used by the emulator): checks the Authorization header of an incoming request.
struct VerifiedCaller { std::string access_key_id, region, service; };

// Errors: Errc::unauthorized with details["awsError"] one of "IncompleteSignature" (400 in AWS),
// "InvalidClientTokenId" (403), "SignatureDoesNotMatch" (403), "RequestExpired" (400); message
// is the human text. The request time comes from X-Amz-Date (or Date) and must be within
// `max_skew` of `now`.
Result<VerifiedCaller> VerifyRequest(
    const HttpRequestToSign& request,
    const std::function<std::optional<std::string>(std::string_view access_key_id)>& secret_for,
    SystemTime now, std::chrono::seconds max_skew = std::chrono::minutes(15));

}  // namespace ivs::aws
