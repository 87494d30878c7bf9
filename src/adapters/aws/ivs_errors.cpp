#include "adapters/aws/ivs_errors.hpp"

#include <boost/json.hpp>

namespace ivs::aws {

namespace json = boost::json;

bool IsThrottlingCode(std::string_view type) {
    return type == "ThrottlingException" || type == "Throttling" ||
           type == "TooManyRequestsException" || type == "LimitExceededException" ||
           type == "RequestLimitExceeded";
}

bool IsAuthCode(std::string_view type) {
    return type == "SignatureDoesNotMatch" || type == "InvalidClientTokenId" ||
           type == "UnrecognizedClientException" || type == "IncompleteSignature" ||
           type == "RequestExpired" || type == "ExpiredTokenException" ||
           type == "ExpiredToken" || type == "MissingAuthenticationTokenException" ||
           type == "InvalidSignatureException";
}

bool IsRetryableStatus(unsigned status) {
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

std::string CleanErrorType(std::string type) {
    if (auto colon = type.find(':'); colon != std::string::npos) type.resize(colon);
    if (auto hash = type.rfind('#'); hash != std::string::npos) type.erase(0, hash + 1);
    while (!type.empty() && type.back() == ' ') type.pop_back();
    return type;
}

UpstreamError MapIvsError(const HttpResponse& res) {
    json::object body;
    boost::system::error_code ec;
    auto parsed = json::parse(res.body, ec);
    if (!ec && parsed.is_object()) body = parsed.as_object();
    auto str = [&](std::string_view key) {
        const auto* v = body.if_contains(key);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    std::string type = res.Header("x-amzn-ErrorType").value_or("");
    if (type.empty()) type = str("code");
    if (type.empty()) type = str("Code");
    if (type.empty()) type = str("__type");
    type = CleanErrorType(type);
    std::string message = str("exceptionMessage");
    if (message.empty()) message = str("message");
    if (message.empty()) message = str("Message");
    if (message.empty()) message = "IVS answered HTTP " + std::to_string(res.status);

    UpstreamError out;
    out.throttled = res.status == 429 || IsThrottlingCode(type);
    out.retryable = out.throttled || IsRetryableStatus(res.status);
    Errc code;
    if (type == "ValidationException") code = Errc::invalid_argument;
    else if (type == "ResourceNotFoundException") code = Errc::not_found;
    else if (type == "ConflictException") code = Errc::conflict;
    else if (type == "ServiceQuotaExceededException") code = Errc::quota_exceeded;
    else if (type == "AccessDeniedException" || type == "PendingVerification") code = Errc::forbidden;
    else if (out.throttled) code = Errc::rate_limited;
    else if (IsAuthCode(type)) {
        code = Errc::unavailable;
        message = "IVS rejected this server's AWS credentials (" + type + "): " + message;
    } else if (res.status >= 500) code = Errc::unavailable;
    else if (res.status == 400) code = Errc::invalid_argument;
    else if (res.status == 402) code = Errc::quota_exceeded;
    else if (res.status == 403) code = Errc::forbidden;
    else if (res.status == 404) code = Errc::not_found;
    else if (res.status == 409) code = Errc::conflict;
    else code = Errc::internal;

    json::object details;
    if (!type.empty()) details["ivsError"] = type;
    details["httpStatus"] = res.status;
    out.error = Error(code, std::move(message), std::move(details));
    if (code == Errc::rate_limited) out.error.retry_after_seconds = 1;
    return out;
}

}  // namespace ivs::aws
