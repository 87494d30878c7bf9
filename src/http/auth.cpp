#include "http/auth.hpp"

#include "core/crypto.hpp"

namespace ivs::http {

Authenticator::Authenticator(AuthOptions options, SessionVerifier verify_session)
    : keys_(std::move(options.api_keys)),
      skip_auth_(options.skip_auth),
      verify_session_(std::move(verify_session)) {
    for (const auto& k : keys_) key_digests_.push_back(Sha256(k.secret));
}

Identity Authenticator::Identify(const Request& request) const {
    Identity id;
    auto key_it = request.find("x-api-key");
    if (key_it != request.end()) {
        std::string_view presented = key_it->value();
        const ApiKey* found = nullptr;
        // Digests are compared, against every key, so the time taken reveals neither the
        // secrets' lengths nor which one matched.
        const std::string digest = Sha256(presented);
        for (std::size_t i = 0; i < keys_.size(); ++i) {
            if (DigestEquals(digest, key_digests_[i]) && !found) found = &keys_[i];
        }
        if (found) {
            id.principal.kind = Principal::Kind::api_key;
            id.principal.key_name = found->name;
            id.principal.scope = found->scope;
            id.principal.rate_limit = found->rate_limit;
            return id;
        }
        if (!skip_auth_) {
            id.rejected = Error(Errc::unauthorized, "Invalid API key");
            return id;
        }
    }
    auto auth_it = request.find(boost::beast::http::field::authorization);
    if (auth_it != request.end()) {
        std::string_view v = auth_it->value();
        constexpr std::string_view kBearer = "Bearer ";
        if (v.size() > kBearer.size() && v.substr(0, kBearer.size()) == kBearer) {
            std::string_view token = v.substr(kBearer.size());
            std::optional<SessionClaims> claims;
            if (verify_session_) claims = verify_session_(token);
            if (claims) {
                id.principal.kind = Principal::Kind::session;
                id.principal.scope = Scope::read;
                id.principal.session = std::move(claims);
                return id;
            }
            id.rejected = Error(Errc::unauthorized, "Invalid or expired session token");
            return id;
        }
    }
    if (skip_auth_) {
        id.principal.kind = Principal::Kind::development;
        id.principal.key_name = "development";
        id.principal.scope = Scope::admin;
    }
    return id;
}

Status Authenticator::Authorize(const Identity& identity, const RouteOptions& route,
                                Verb method) const {
    if (route.access == Access::open) return Ok();
    if (identity.rejected) return *identity.rejected;
    const Principal& p = identity.principal;
    switch (p.kind) {
        case Principal::Kind::anonymous:
            return Error(Errc::unauthorized, "Missing API key (x-api-key header)");
        case Principal::Kind::session:
            if (route.allow_session) return Ok();
            return Error(Errc::forbidden, "A session token cannot be used for this endpoint");
        case Principal::Kind::development:
            return Ok();
        case Principal::Kind::api_key:
            break;
    }
    bool is_read = method == Verb::get || method == Verb::head;
    switch (p.scope) {
        case Scope::admin:
            return Ok();
        case Scope::app:
            if (route.access == Access::admin) {
                return Error(Errc::forbidden, "This API key's scope (app) does not allow this call");
            }
            return Ok();
        case Scope::read:
            if (!is_read || route.access == Access::admin || route.access == Access::app) {
                if (!(is_read && route.access == Access::read)) {
                    return Error(Errc::forbidden,
                                 "This API key's scope (read) allows only read calls");
                }
            }
            return Ok();
        default:
            break;
    }
    return Error(Errc::forbidden, "Not allowed");
}

}  // namespace ivs::http
