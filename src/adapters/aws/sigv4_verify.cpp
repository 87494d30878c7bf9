#include <cctype>
#include <ctime>

#include "adapters/aws/sigv4.hpp"
#include "adapters/aws/sigv4_detail.hpp"
#include "core/crypto.hpp"

namespace ivs::aws {

using namespace detail;

namespace {

std::optional<SystemTime> ParseAmzDate(std::string_view s) {
    // 20150830T123600Z
    if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
    for (std::size_t i = 0; i < 15; ++i) {
        if (i != 8 && std::isdigit(static_cast<unsigned char>(s[i])) == 0) return std::nullopt;
    }
    auto num = [&](std::size_t pos, std::size_t len) {
        int v = 0;
        for (std::size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
        return v;
    };
    std::tm tm{};
    tm.tm_year = num(0, 4) - 1900;
    tm.tm_mon = num(4, 2) - 1;
    tm.tm_mday = num(6, 2);
    tm.tm_hour = num(9, 2);
    tm.tm_min = num(11, 2);
    tm.tm_sec = num(13, 2);
    // Years a time point can hold (nanosecond clock: up to 2262); a signature is minutes old.
    const int year = num(0, 4);
    if (year < 1970 || year > 2200 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
        tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
        return std::nullopt;
    }
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

Error AuthError(std::string_view aws_error, std::string message) {
    boost::json::object details;
    details["awsError"] = aws_error;
    return Error(Errc::unauthorized, std::move(message), std::move(details));
}

std::string_view Trim(std::string_view s) {
    while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
    while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
    return s;
}

// The Authorization header's Credential, SignedHeaders and Signature.
struct AuthorizationParts {
    std::string credential, signed_headers, signature;
};

Result<AuthorizationParts> ParseAuthorization(const HttpRequestToSign& request) {
    auto auth = FindHeader(request, "authorization");
    if (!auth || Trim(*auth).empty()) {
        return AuthError("IncompleteSignature", "Request is missing Authentication Token");
    }
    std::string_view rest = Trim(*auth);
    if (!rest.starts_with(kAlgorithm) || rest.size() == kAlgorithm.size() ||
        !IsSpace(rest[kAlgorithm.size()])) {
        return AuthError("IncompleteSignature",
                         "Authorization header requires the AWS4-HMAC-SHA256 algorithm");
    }
    rest.remove_prefix(kAlgorithm.size());

    AuthorizationParts parts;
    while (!rest.empty()) {
        std::size_t comma = rest.find(',');
        std::string_view part = Trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        std::size_t eq = part.find('=');
        if (eq == std::string_view::npos) continue;
        std::string_view key = Trim(part.substr(0, eq));
        std::string value(Trim(part.substr(eq + 1)));
        if (key == "Credential") parts.credential = value;
        else if (key == "SignedHeaders") parts.signed_headers = value;
        else if (key == "Signature") parts.signature = value;
    }
    if (parts.credential.empty() || parts.signed_headers.empty() || parts.signature.empty()) {
        return AuthError("IncompleteSignature",
                         "Authorization header requires 'Credential', 'SignedHeaders' and "
                         "'Signature' parameters");
    }
    return parts;
}

// Credential=<akid>/<date>/<region>/<service>/aws4_request, split at the slashes.
Result<std::vector<std::string>> ParseScope(const std::string& credential) {
    std::vector<std::string> scope;
    for (std::size_t start = 0;;) {
        std::size_t slash = credential.find('/', start);
        scope.push_back(credential.substr(start, slash - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    if (scope.size() != 5 || scope[0].empty() || scope[4] != "aws4_request" ||
        scope[1].size() != 8) {
        return AuthError("IncompleteSignature",
                         "Credential should be scoped to a valid region, service and date: '" +
                             credential + "'");
    }
    return scope;
}

// The signed header names (lower case); each must be present, and Host among them.
Result<std::vector<std::string>> SignedHeaderNames(const HttpRequestToSign& request,
                                                   const std::string& signed_headers) {
    std::vector<std::string> names;
    for (std::size_t start = 0;;) {
        std::size_t semi = signed_headers.find(';', start);
        names.push_back(ToLower(signed_headers.substr(start, semi - start)));
        if (semi == std::string::npos) break;
        start = semi + 1;
    }
    if (std::find(names.begin(), names.end(), "host") == names.end()) {
        return AuthError("IncompleteSignature", "The 'Host' header must be signed");
    }
    for (const auto& n : names) {
        if (n.empty() || !FindHeader(request, n)) {
            return AuthError("IncompleteSignature",
                             "Signed header '" + n + "' is missing from the request");
        }
    }
    return names;
}

// X-Amz-Date: present, matching the credential scope's date, within max_skew of now.
Result<SystemTime> RequestTime(const HttpRequestToSign& request, const std::string& scope_date,
                               SystemTime now, std::chrono::seconds max_skew) {
    auto amz_date = FindHeader(request, "x-amz-date");
    if (!amz_date) {
        return AuthError("IncompleteSignature",
                         "Authorization header requires existence of either a 'X-Amz-Date' or a "
                         "'Date' header");
    }
    auto when = ParseAmzDate(Trim(*amz_date));
    if (!when) {
        return AuthError("IncompleteSignature", "Invalid X-Amz-Date '" + *amz_date + "'");
    }
    if (DateOnly(*when) != scope_date) {
        return AuthError("SignatureDoesNotMatch",
                         "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                         "of date from HTTP: '" + scope_date + "' != '" + DateOnly(*when) + "'");
    }
    if (*when > now + max_skew) {
        return AuthError("RequestExpired",
                         "Signature not yet current: " + AmzDate(*when) + " is still later than " +
                             AmzDate(now + max_skew) + " (" + AmzDate(now) + " + " +
                             std::to_string(max_skew.count() / 60) + " min.)");
    }
    if (*when < now - max_skew) {
        return AuthError("RequestExpired",
                         "Signature expired: " + AmzDate(*when) + " is now earlier than " +
                             AmzDate(now - max_skew) + " (" + AmzDate(now) + " - " +
                             std::to_string(max_skew.count() / 60) + " min.)");
    }
    return *when;
}

}  // namespace

Result<VerifiedCaller> VerifyRequest(
    const HttpRequestToSign& request,
    const std::function<std::optional<std::string>(std::string_view access_key_id)>& secret_for,
    SystemTime now, std::chrono::seconds max_skew) {
    auto parts = ParseAuthorization(request);
    if (!parts) return parts.error();
    auto scope_r = ParseScope(parts->credential);
    if (!scope_r) return scope_r.error();
    const std::vector<std::string>& scope = *scope_r;
    auto names = SignedHeaderNames(request, parts->signed_headers);
    if (!names) return names.error();
    auto when = RequestTime(request, scope[1], now, max_skew);
    if (!when) return when.error();

    auto secret = secret_for(scope[0]);
    if (!secret) {
        return AuthError("InvalidClientTokenId",
                         "The security token included in the request is invalid.");
    }

    if (auto declared = FindHeader(request, "x-amz-content-sha256");
        declared && *declared != "UNSIGNED-PAYLOAD" &&
        ToLower(Trim(*declared)) != HexEncode(Sha256(request.body))) {
        return AuthError("SignatureDoesNotMatch",
                         "The provided 'x-amz-content-sha256' header does not match what was "
                         "computed.");
    }

    SigV4Params params;
    params.region = scope[2];
    params.service = scope[3];
    params.time = *when;
    std::string creq = CanonicalRequest(request, params, *names);
    std::string expected = Signature(*secret, StringToSign(creq, params), params);
    if (!ConstantTimeEquals(expected, ToLower(parts->signature))) {
        return AuthError("SignatureDoesNotMatch",
                         "The request signature we calculated does not match the signature you "
                         "provided. Check your AWS Secret Access Key and signing method. Consult "
                         "the service documentation for details.");
    }
    return VerifiedCaller{scope[0], scope[2], scope[3]};
}

}  // namespace ivs::aws
