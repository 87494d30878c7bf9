#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "http/options.hpp"
#include "core/error.hpp"
#include "http/request_context.hpp"
#include "http/router.hpp"

namespace ivs::http {

// Result of looking at a request's credentials, before any route is considered.
struct Identity {
    Principal principal;
    std::optional<Error> rejected;  // credentials were presented but are not valid
};

// Checks `x-api-key` (constant time, against every configured key) and
// `Authorization: Bearer <sessionToken>`. Thread-safe after construction.
class Authenticator {
public:
    using SessionVerifier = std::function<std::optional<SessionClaims>(std::string_view token)>;

    // `verify_session` checks viewer session tokens (the audience side provides it); without
    // one, bearer tokens are refused.
    explicit Authenticator(AuthOptions options, SessionVerifier verify_session = {});

    Identity Identify(const Request& request) const;

    // 401 UNAUTHORIZED without valid credentials, 403 FORBIDDEN when the scope is too small.
    Status Authorize(const Identity& identity, const RouteOptions& route, Verb method) const;

private:
    std::vector<ApiKey> keys_;
    std::vector<std::string> key_digests_;  // SHA-256 of each key's secret, same order
    bool skip_auth_;
    SessionVerifier verify_session_;
};

}  // namespace ivs::http
