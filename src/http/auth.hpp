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

    explicit Authenticator(AuthOptions options);

    // Installs the viewer session-token check (the audience service provides it).
    void SetSessionVerifier(SessionVerifier verifier) { verify_session_ = std::move(verifier); }

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
