#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace ivs::audience {

// What a viewer session token proves: this session of this user in this stage.
struct SessionTicket {
    std::string session_id;
    std::string user_id;
    std::string stage_arn;
    SystemTime expires_at;
};

// Issues and checks viewer session tokens: "<base64url(JSON claims)>.<base64url(HMAC-SHA256)>",
// claims {sid, uid, arn, exp (unix seconds)}. Any instance holding the same secret accepts them.
// Thread-safe (immutable after construction).
class SessionTokenCodec {
public:
    // `secret` must be non-empty (throws std::invalid_argument otherwise).
    SessionTokenCodec(std::string secret, const Clock& clock, std::chrono::seconds lifetime);

    std::string Issue(std::string_view session_id, std::string_view user_id,
                      std::string_view stage_arn) const;
    // nullopt when malformed, badly signed or expired.
    std::optional<SessionTicket> Verify(std::string_view token) const;

    std::chrono::seconds lifetime() const { return lifetime_; }

private:
    std::string secret_;
    const Clock& clock_;
    std::chrono::seconds lifetime_;
};

}  // namespace ivs::audience
