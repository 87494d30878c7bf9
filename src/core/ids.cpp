#include "core/ids.hpp"

#include <algorithm>

namespace ivs {
namespace {

bool IsAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// True when every character is alphanumeric or one of `extra`.
bool AlnumOr(std::string_view s, std::string_view extra) {
    return std::all_of(s.begin(), s.end(), [&](char c) {
        return IsAlnum(c) || extra.find(c) != std::string_view::npos;
    });
}

// Splits off the text before the next ':' (or the rest).
std::string_view NextField(std::string_view& s) {
    auto pos = s.find(':');
    std::string_view field = s.substr(0, pos);
    s = pos == std::string_view::npos ? std::string_view{} : s.substr(pos + 1);
    return field;
}

}  // namespace

bool IsStageArn(std::string_view arn) {
    constexpr std::string_view kPrefix = "arn:aws:ivs:";
    if (arn.size() > 128 || !arn.starts_with(kPrefix)) return false;
    std::string_view rest = arn.substr(kPrefix.size());
    std::string_view region = NextField(rest);
    std::string_view account = NextField(rest);
    if (region.empty() || !std::all_of(region.begin(), region.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        })) {
        return false;
    }
    if (account.empty() ||
        !std::all_of(account.begin(), account.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    constexpr std::string_view kStage = "stage/";
    return rest.starts_with(kStage) && IsStageId(rest.substr(kStage.size()));
}

std::string_view StageIdOf(std::string_view arn) {
    if (!IsStageArn(arn)) return {};
    return arn.substr(arn.rfind('/') + 1);
}

bool IsStageId(std::string_view id) { return !id.empty() && id.size() <= 64 && AlnumOr(id, "-"); }

bool IsStageName(std::string_view name) {
    return !name.empty() && name.size() <= 128 && AlnumOr(name, "-_");
}

bool IsParticipantId(std::string_view id) {
    return !id.empty() && id.size() <= 64 && AlnumOr(id, "-_");
}

bool IsValidUserId(std::string_view user_id) {
    return !user_id.empty() && user_id.size() <= 128 && AlnumOr(user_id, "._:@-");
}

}  // namespace ivs
