#include "adapters/tokens/participant_jwt.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>

#include "core/crypto.hpp"

namespace ivs::tokens {
namespace json = boost::json;
namespace {

std::int64_t ToSeconds(SystemTime t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Error Refused(std::string reason, std::string message) {
    json::object details;
    details["reason"] = reason;
    return Error(Errc::unauthorized, std::move(message), std::move(details));
}

std::optional<json::object> ParseObject(std::string_view b64) {
    std::string raw;
    if (!Base64UrlDecode(b64, raw)) return std::nullopt;
    boost::system::error_code ec;
    json::value v = json::parse(raw, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return v.as_object();
}

std::string StringClaim(const json::object& o, std::string_view name) {
    auto it = o.find(name);
    return it != o.end() && it->value().is_string() ? std::string(it->value().as_string())
                                                    : std::string();
}

std::optional<std::int64_t> IntClaim(const json::object& o, std::string_view name) {
    auto it = o.find(name);
    if (it == o.end()) return std::nullopt;
    if (it->value().is_int64()) return it->value().as_int64();
    if (it->value().is_uint64()) return static_cast<std::int64_t>(it->value().as_uint64());
    if (it->value().is_double()) return static_cast<std::int64_t>(it->value().as_double());
    return std::nullopt;
}

template <typename SignFn>
Result<std::string> EncodeToken(std::string_view kid, const ParticipantClaims& claims,
                                const SignFn& sign) {
    json::object header{{"alg", "ES384"}, {"typ", "JWT"}, {"kid", kid}};
    std::string input = Base64UrlEncode(json::serialize(header)) + "." +
                        Base64UrlEncode(json::serialize(ClaimsToJson(claims)));
    Result<std::string> sig = sign(input);
    if (!sig) return sig.error();
    return input + "." + Base64UrlEncode(*sig);
}

}  // namespace

std::string StageIdFromArn(std::string_view stage_arn) {
    auto slash = stage_arn.rfind('/');
    return slash == std::string_view::npos ? std::string() : std::string(stage_arn.substr(slash + 1));
}

json::object ClaimsToJson(const ParticipantClaims& c) {
    json::object o;
    o["exp"] = ToSeconds(c.expires_at);
    o["iat"] = ToSeconds(c.issued_at);
    o["jti"] = c.participant_id;
    o["resource"] = c.stage_arn;
    o["topic"] = c.topic;
    o["events_url"] = c.events_url;
    o["whip_url"] = c.whip_url;
    o["capabilities"] = json::object{{"allow_publish", c.allow_publish},
                                     {"allow_subscribe", c.allow_subscribe}};
    o["version"] = "1.0";
    if (!c.user_id.empty()) o["user_id"] = c.user_id;
    if (!c.attributes.empty()) {
        json::object attrs;
        for (const auto& [k, v] : c.attributes) attrs[k] = v;
        o["attributes"] = std::move(attrs);
    }
    return o;
}

Result<std::string> EncodeParticipantToken(const Es384Key& key, std::string_view kid,
                                           const ParticipantClaims& claims) {
    return EncodeToken(kid, claims, [&](std::string_view input) { return key.Sign(input); });
}

Result<std::string> EncodeParticipantToken(const Es384Signer& signer, std::string_view kid,
                                           const ParticipantClaims& claims) {
    return EncodeToken(kid, claims, [&](std::string_view input) { return signer.Sign(input); });
}

Result<DecodedToken> DecodeToken(std::string_view token) {
    auto first = token.find('.');
    auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
        return Error(Errc::invalid_argument, "the token is not a compact JWS");
    }
    DecodedToken out;
    auto header = ParseObject(token.substr(0, first));
    auto payload = ParseObject(token.substr(first + 1, second - first - 1));
    if (!header || !payload ||
        !Base64UrlDecode(token.substr(second + 1), out.signature)) {
        return Error(Errc::invalid_argument, "the token is not a valid JWT");
    }
    out.header = std::move(*header);
    out.payload = std::move(*payload);
    out.kid = StringClaim(out.header, "kid");
    out.signing_input = std::string(token.substr(0, second));
    return out;
}

Result<ParticipantClaims> VerifyParticipantToken(
    std::string_view token,
    const std::function<std::optional<Es384Key>(std::string_view kid)>& key_for, SystemTime now,
    std::string_view stage_arn) {
    auto decoded = DecodeToken(token);
    if (!decoded) return Refused("malformed", decoded.error().message);
    if (StringClaim(decoded->header, "alg") != "ES384") {
        return Refused("unsupported_alg", "the token is not signed with ES384");
    }
    auto key = key_for(decoded->kid);
    if (!key) return Refused("unknown_key", "the token's kid names no imported public key");
    if (!key->Verify(decoded->signing_input, decoded->signature)) {
        return Refused("bad_signature", "the token signature does not verify");
    }
    const auto& p = decoded->payload;
    auto exp = IntClaim(p, "exp");
    if (!exp) return Refused("invalid_claims", "the token has no exp claim");
    if (*exp <= ToSeconds(now)) return Refused("expired", "the token has expired");
    ParticipantClaims c;
    c.stage_arn = StringClaim(p, "resource");
    c.topic = StringClaim(p, "topic");
    if (c.stage_arn != stage_arn || c.topic != StageIdFromArn(stage_arn)) {
        return Refused("wrong_stage", "the token is for another stage");
    }
    c.participant_id = StringClaim(p, "jti");
    if (c.participant_id.empty() || c.participant_id.size() > 64 ||
        c.participant_id.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
            std::string::npos) {
        return Refused("invalid_claims", "the token's jti is not a valid participant id");
    }
    c.events_url = StringClaim(p, "events_url");
    c.whip_url = StringClaim(p, "whip_url");
    c.user_id = StringClaim(p, "user_id");
    c.expires_at = SystemTime(std::chrono::seconds(*exp));
    c.issued_at = SystemTime(std::chrono::seconds(IntClaim(p, "iat").value_or(0)));
    if (auto it = p.find("capabilities"); it != p.end() && it->value().is_object()) {
        const auto& caps = it->value().as_object();
        auto flag = [&](std::string_view name) {
            auto f = caps.find(name);
            return f != caps.end() && f->value().is_bool() && f->value().as_bool();
        };
        c.allow_publish = flag("allow_publish");
        c.allow_subscribe = flag("allow_subscribe");
    }
    if (auto it = p.find("attributes"); it != p.end() && it->value().is_object()) {
        for (const auto& [k, v] : it->value().as_object()) {
            if (v.is_string()) c.attributes[std::string(k)] = std::string(v.as_string());
        }
    }
    return c;
}

}  // namespace ivs::tokens
