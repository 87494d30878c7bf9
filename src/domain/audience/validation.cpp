#include "domain/audience/validation.hpp"

#include <algorithm>

namespace ivs::audience {
namespace {

bool IsAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

template <class Pred>
bool AllOf(std::string_view s, Pred pred) {
    return std::all_of(s.begin(), s.end(), pred);
}

// Splits off the text before the next ':' (or the rest).
std::string_view NextField(std::string_view& s) {
    auto pos = s.find(':');
    std::string_view field = s.substr(0, pos);
    s = pos == std::string_view::npos ? std::string_view{} : s.substr(pos + 1);
    return field;
}

}  // namespace

bool IsValidUserId(std::string_view user_id) {
    if (user_id.empty() || user_id.size() > 128) return false;
    return AllOf(user_id, [](char c) {
        return IsAlnum(c) || c == '.' || c == '_' || c == ':' || c == '@' || c == '-';
    });
}

bool IsStageArn(std::string_view arn) {
    if (arn.size() > 128 || arn.substr(0, 4) != "arn:") return false;
    std::string_view rest = arn.substr(4);
    std::string_view partition = NextField(rest);
    std::string_view service = NextField(rest);
    std::string_view region = NextField(rest);
    std::string_view account = NextField(rest);
    std::string_view resource = rest;
    if (partition.substr(0, 3) != "aws" ||
        !AllOf(partition, [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; })) {
        return false;
    }
    if (service != "ivs") return false;
    if (region.empty() ||
        !AllOf(region, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; })) {
        return false;
    }
    if (account.empty() || !AllOf(account, [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    if (resource.substr(0, 6) != "stage/") return false;
    std::string_view id = resource.substr(6);
    return !id.empty() && AllOf(id, [](char c) { return IsAlnum(c) || c == '-'; });
}

bool IsValidParticipantId(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    return AllOf(id, [](char c) { return IsAlnum(c) || c == '-' || c == '_'; });
}

}  // namespace ivs::audience
