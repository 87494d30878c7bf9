// IVS errors and the validation rules the emulator's operations share.

#include <boost/json.hpp>

#include <regex>

#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_state.hpp"
#include "core/crypto.hpp"

namespace ivs::emulator {
namespace json = boost::json;

bool MatchesCharset(std::string_view s, std::string_view extra) {
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  extra.find(c) != std::string_view::npos;
        if (!ok) return false;
    }
    return true;
}

// --- errors ---

Error IvsError(std::string_view type, std::string message) {
    Errc code = Errc::internal;
    if (type == kValidation) code = Errc::invalid_argument;
    else if (type == kNotFound) code = Errc::not_found;
    else if (type == kConflict) code = Errc::conflict;
    else if (type == kQuota) code = Errc::quota_exceeded;
    else if (type == kAccessDenied || type == "PendingVerification") code = Errc::forbidden;
    else if (type == "ThrottlingException" || type == "TooManyRequestsException" ||
             type == "Throttling" || type == "LimitExceededException" ||
             type == "RequestLimitExceeded") {
        code = Errc::rate_limited;
    } else if (type == kInternal || type == "ServiceUnavailableException" ||
               type == "InternalFailure" || type == "ServiceUnavailable") {
        code = Errc::unavailable;
    }
    boost::json::object details;
    details["ivsError"] = type;
    return Error(code, std::move(message), std::move(details));
}

std::string IvsErrorType(const Error& error) {
    auto it = error.details.find("ivsError");
    return it != error.details.end() && it->value().is_string()
               ? std::string(it->value().as_string())
               : std::string();
}

unsigned HttpStatusForIvsError(std::string_view type) {
    if (type == kValidation) return 400;
    if (type == kAccessDenied || type == "PendingVerification") return 403;
    if (type == kNotFound) return 404;
    if (type == kConflict) return 409;
    if (type == kQuota) return 402;
    if (type == kInternal || type == "InternalFailure") return 500;
    if (type == "ServiceUnavailableException" || type == "ServiceUnavailable") return 503;
    if (type == "TooManyRequestsException") return 429;
    return 400;
}

// --- shared checks ---

Status CheckParticipantId(std::string_view id, std::string_view field) {
    if (id.empty()) return IvsError(kValidation, std::string(field) + " is required");
    if (id.size() > 64 || !MatchesCharset(id, "-")) {
        return IvsError(kValidation, std::string(field) + " must be 1-64 characters of [a-zA-Z0-9-]");
    }
    return Ok();
}

Status CheckMaxResults(int max_results, int max) {
    if (max_results < 1 || max_results > max) {
        return IvsError(kValidation, "maxResults must be between 1 and " + std::to_string(max));
    }
    return Ok();
}

Status CheckTagKey(std::string_view key) {
    if (key.empty() || key.size() > 128) {
        return IvsError(kValidation, "tag keys must be 1-128 characters");
    }
    if (key.size() >= 4 && (key.substr(0, 4) == "aws:" || key.substr(0, 4) == "AWS:")) {
        return IvsError(kValidation, "tag keys must not start with the reserved prefix aws:");
    }
    return Ok();
}

Status CheckTags(const ports::Tags& tags) {
    if (tags.size() > 50) return IvsError(kValidation, "a resource can have at most 50 tags");
    for (const auto& [k, v] : tags) {
        if (auto st = CheckTagKey(k); !st) return st;
        if (v.size() > 256) return IvsError(kValidation, "tag values must be at most 256 characters");
    }
    return Ok();
}

Status CheckTokenRequest(const ports::CreateTokenRequest& r) {
    if (r.duration_minutes < 1 || r.duration_minutes > 20160) {
        return IvsError(kValidation, "duration must be between 1 and 20160 minutes");
    }
    if (r.user_id.size() > 128) {
        return IvsError(kValidation, "userId must be at most 128 characters");
    }
    std::size_t attr_bytes = 0;
    for (const auto& [k, v] : r.attributes) attr_bytes += k.size() + v.size();
    if (attr_bytes > 1024) {
        return IvsError(kValidation, "attributes must be at most 1 KB in total");
    }
    if (r.capabilities.size() > 2) return IvsError(kValidation, "at most two capabilities");
    return Ok();
}

Status CheckRecordingConfiguration(const json::object& c) {
    static const std::regex arn_re(
        "^$|^arn:aws:ivs:[a-z0-9-]+:[0-9]+:storage-configuration/[a-zA-Z0-9-]+$");
    auto bad = [](std::string what) {
        return IvsError(kValidation, "autoParticipantRecordingConfiguration." + what);
    };
    auto arn = c.find("storageConfigurationArn");
    if (arn == c.end() || !arn->value().is_string()) {
        return bad("storageConfigurationArn is required");
    }
    std::string_view a = arn->value().as_string();
    if (a.size() > 128 || !std::regex_match(a.begin(), a.end(), arn_re)) {
        return bad("storageConfigurationArn is not a storage configuration ARN");
    }
    if (auto m = c.find("mediaTypes"); m != c.end() && !m->value().is_null()) {
        if (!m->value().is_array() || m->value().as_array().size() > 1) {
            return bad("mediaTypes must be a list of one media type");
        }
        for (const auto& t : m->value().as_array()) {
            if (!t.is_string() || (t.as_string() != "AUDIO_VIDEO" && t.as_string() != "AUDIO_ONLY" &&
                                   t.as_string() != "NONE")) {
                return bad("mediaTypes must be AUDIO_VIDEO, AUDIO_ONLY or NONE");
            }
        }
    }
    if (auto w = c.find("recordingReconnectWindowSeconds"); w != c.end() && !w->value().is_null()) {
        if (!w->value().is_int64() || w->value().as_int64() < 0 || w->value().as_int64() > 300) {
            return bad("recordingReconnectWindowSeconds must be between 0 and 300");
        }
    }
    if (auto r = c.find("recordParticipantReplicas"); r != c.end() && !r->value().is_null() &&
                                                      !r->value().is_bool()) {
        return bad("recordParticipantReplicas must be a boolean");
    }
    return Ok();
}

std::string MakePageToken(std::string_view kind, std::uint64_t n) {
    return Base64Encode(std::string(kind) + ":" + std::to_string(n));
}

Result<std::uint64_t> ParsePageToken(std::string_view token, std::string_view kind) {
    if (token.empty()) return 0;
    std::string raw;
    auto bad = [] { return IvsError(kValidation, "The nextToken is invalid"); };
    if (token.size() > 1024 || !Base64Decode(token, raw)) return bad();
    if (raw.size() <= kind.size() + 1 || raw.compare(0, kind.size(), kind) != 0 ||
        raw[kind.size()] != ':') {
        return bad();
    }
    std::uint64_t n = 0;
    for (std::size_t i = kind.size() + 1; i < raw.size(); ++i) {
        if (raw[i] < '0' || raw[i] > '9' || n > (1ULL << 60)) return bad();
        n = n * 10 + static_cast<std::uint64_t>(raw[i] - '0');
    }
    return n;
}

}  // namespace ivs::emulator
