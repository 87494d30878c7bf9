#pragma once

// How the AWS IVS adapter reads an IVS error answer: the error type the way the AWS SDKs find
// it (header x-amzn-ErrorType, else body `code`/`Code`, else `__type`; cut at ':' and after the
// last '#'), the message (`exceptionMessage`, `message`, `Message`), the project Errc, and
// whether the call may be retried. Pure functions, thread-safe.

#include <string>
#include <string_view>

#include "adapters/aws/http_client.hpp"
#include "core/error.hpp"

namespace ivs::aws {

bool IsThrottlingCode(std::string_view type);
bool IsAuthCode(std::string_view type);
bool IsRetryableStatus(unsigned status);
// "ns#Name:http://..." -> "Name"
std::string CleanErrorType(std::string type);

struct UpstreamError {
    Error error;             // details: "ivsError" (when known) and "httpStatus"
    bool retryable = false;  // throttling, 429, 500/502/503/504
    bool throttled = false;
};

// `res` is a non-2xx answer.
UpstreamError MapIvsError(const HttpResponse& res);

}  // namespace ivs::aws
