#pragma once

#include <string_view>
#include <system_error>

namespace ivs {

// The project's error conditions. Every port, service and handler reports expected failures as
// one of these; exactly one place (http/error_mapping) turns them into HTTP statuses and codes.
enum class Errc {
    ok = 0,
    invalid_argument,     // input fails validation (400 VALIDATION_ERROR)
    unauthorized,         // missing or wrong credentials (401)
    forbidden,            // authenticated but not allowed (403)
    not_found,            // resource does not exist (404)
    method_not_allowed,   // path exists, method does not (405)
    conflict,             // state does not allow the change (409)
    payload_too_large,    // body over MAX_BODY_BYTES (413)
    headers_too_large,    // header block over MAX_HEADER_BYTES (431)
    rate_limited,         // too many requests (429)
    stage_full,           // no seat available (503 STAGE_FULL)
    stage_limit_reached,  // MAX_STAGES reached (503 STAGE_LIMIT_REACHED)
    quota_exceeded,       // upstream service quota (IVS ServiceQuotaExceeded)
    token_generation_failed,
    unavailable,          // dependency down (503 SERVICE_UNAVAILABLE)
    timeout,              // dependency too slow (503 SERVICE_UNAVAILABLE)
    internal,             // a bug or an unexpected upstream answer (500)
};

const std::error_category& ErrcCategory() noexcept;

inline std::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), ErrcCategory()};
}

std::string_view ErrcName(Errc e) noexcept;

}  // namespace ivs

template <>
struct std::is_error_code_enum<ivs::Errc> : std::true_type {};
