#include "core/errc.hpp"

#include <string>

namespace ivs {
namespace {

class ErrcCategoryImpl final : public std::error_category {
public:
    const char* name() const noexcept override { return "ivs"; }
    std::string message(int ev) const override {
        return std::string(ErrcName(static_cast<Errc>(ev)));
    }
};

}  // namespace

const std::error_category& ErrcCategory() noexcept {
    static const ErrcCategoryImpl category;
    return category;
}

std::string_view ErrcName(Errc e) noexcept {
    switch (e) {
        case Errc::ok: return "ok";
        case Errc::invalid_argument: return "invalid_argument";
        case Errc::unauthorized: return "unauthorized";
        case Errc::forbidden: return "forbidden";
        case Errc::not_found: return "not_found";
        case Errc::method_not_allowed: return "method_not_allowed";
        case Errc::conflict: return "conflict";
        case Errc::payload_too_large: return "payload_too_large";
        case Errc::headers_too_large: return "headers_too_large";
        case Errc::rate_limited: return "rate_limited";
        case Errc::stage_full: return "stage_full";
        case Errc::stage_limit_reached: return "stage_limit_reached";
        case Errc::quota_exceeded: return "quota_exceeded";
        case Errc::token_generation_failed: return "token_generation_failed";
        case Errc::unavailable: return "unavailable";
        case Errc::timeout: return "timeout";
        case Errc::internal: return "internal";
    }
    return "unknown";
}

}  // namespace ivs
