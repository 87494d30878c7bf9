#include "domain/audience/session_token.hpp"

#include <boost/json.hpp>

#include <stdexcept>

#include "core/crypto.hpp"

namespace ivs::audience {
namespace json = boost::json;

SessionTokenCodec::SessionTokenCodec(std::string secret, const Clock& clock,
                                     std::chrono::seconds lifetime)
    : secret_(std::move(secret)), clock_(clock), lifetime_(lifetime) {
    if (secret_.empty()) throw std::invalid_argument("session token secret must not be empty");
}

std::string SessionTokenCodec::Issue(std::string_view session_id, std::string_view user_id,
                                     std::string_view stage_arn) const {
    const auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                         (clock_.Now() + lifetime_).time_since_epoch())
                         .count();
    json::object claims{{"sid", session_id}, {"uid", user_id}, {"arn", stage_arn}, {"exp", exp}};
    std::string payload = Base64UrlEncode(json::serialize(claims));
    std::string mac = Base64UrlEncode(HmacSha256(secret_, payload));
    return payload + "." + mac;
}

std::optional<SessionTicket> SessionTokenCodec::Verify(std::string_view token) const {
    if (token.size() > 4096) return std::nullopt;
    auto dot = token.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    std::string_view payload = token.substr(0, dot);
    std::string_view mac = token.substr(dot + 1);
    if (!ConstantTimeEquals(mac, Base64UrlEncode(HmacSha256(secret_, payload)))) {
        return std::nullopt;
    }
    std::string decoded;
    if (!Base64UrlDecode(payload, decoded)) return std::nullopt;
    boost::system::error_code ec;
    json::value v = json::parse(decoded, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto& o = v.get_object();
    const auto* sid = o.if_contains("sid");
    const auto* uid = o.if_contains("uid");
    const auto* arn = o.if_contains("arn");
    const auto* exp = o.if_contains("exp");
    if (!sid || !sid->is_string() || !uid || !uid->is_string() || !arn || !arn->is_string() ||
        !exp || !exp->is_int64()) {
        return std::nullopt;
    }
    SystemTime expires_at{std::chrono::seconds(exp->as_int64())};
    if (clock_.Now() >= expires_at) return std::nullopt;
    return SessionTicket{std::string(sid->as_string()), std::string(uid->as_string()),
                         std::string(arn->as_string()), expires_at};
}

}  // namespace ivs::audience
