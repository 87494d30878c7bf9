#include "http/error_mapping.hpp"

namespace ivs::http {

using boost::beast::http::status;

HttpError MapError(Errc e) noexcept {
    switch (e) {
        case Errc::invalid_argument: return {status::bad_request, "VALIDATION_ERROR"};
        case Errc::unauthorized: return {status::unauthorized, "UNAUTHORIZED"};
        case Errc::forbidden: return {status::forbidden, "FORBIDDEN"};
        case Errc::not_found: return {status::not_found, "NOT_FOUND"};
        case Errc::method_not_allowed: return {status::method_not_allowed, "METHOD_NOT_ALLOWED"};
        case Errc::conflict: return {status::conflict, "VALIDATION_ERROR"};
        case Errc::payload_too_large: return {status::payload_too_large, "PAYLOAD_TOO_LARGE"};
        case Errc::headers_too_large:
            return {status::request_header_fields_too_large, "PAYLOAD_TOO_LARGE"};
        case Errc::rate_limited: return {status::too_many_requests, "TOO_MANY_REQUESTS"};
        case Errc::stage_full: return {status::service_unavailable, "STAGE_FULL"};
        case Errc::stage_limit_reached: return {status::service_unavailable, "STAGE_LIMIT_REACHED"};
        case Errc::quota_exceeded:
        case Errc::unavailable:
        case Errc::timeout: return {status::service_unavailable, "SERVICE_UNAVAILABLE"};
        case Errc::token_generation_failed:
            return {status::internal_server_error, "TOKEN_GENERATION_FAILED"};
        case Errc::ok:
        case Errc::internal: break;
    }
    return {status::internal_server_error, "INTERNAL_ERROR"};
}

}  // namespace ivs::http
