#include "domain/stages/stage_arn.hpp"

#include <algorithm>
#include <cctype>

namespace ivs::stages {
namespace {

bool AllOf(std::string_view s, std::string_view extra) {
    return std::all_of(s.begin(), s.end(), [&](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
    });
}

}  // namespace

bool IsStageArn(std::string_view arn) {
    constexpr std::string_view kPrefix = "arn:aws:ivs:";
    if (arn.size() > 128 || arn.substr(0, kPrefix.size()) != kPrefix) return false;
    std::string_view rest = arn.substr(kPrefix.size());
    auto colon = rest.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    std::string_view region = rest.substr(0, colon);
    if (!std::all_of(region.begin(), region.end(), [](char c) {
            return std::islower(static_cast<unsigned char>(c)) ||
                   std::isdigit(static_cast<unsigned char>(c)) || c == '-';
        })) {
        return false;
    }
    rest = rest.substr(colon + 1);
    colon = rest.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    std::string_view account = rest.substr(0, colon);
    if (!std::all_of(account.begin(), account.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        return false;
    }
    rest = rest.substr(colon + 1);
    constexpr std::string_view kStage = "stage/";
    if (rest.substr(0, kStage.size()) != kStage) return false;
    return IsStageId(rest.substr(kStage.size()));
}

std::string_view StageIdOf(std::string_view arn) {
    if (!IsStageArn(arn)) return {};
    return arn.substr(arn.rfind('/') + 1);
}

bool IsStageId(std::string_view id) { return !id.empty() && id.size() <= 64 && AllOf(id, "-"); }

bool IsStageName(std::string_view name) {
    return !name.empty() && name.size() <= 128 && AllOf(name, "-_");
}

bool IsParticipantId(std::string_view id) {
    return !id.empty() && id.size() <= 64 && AllOf(id, "-");
}

}  // namespace ivs::stages
