#pragma once

#include <string>
#include <string_view>

namespace ivs::stages {

// True when `arn` parses as an IVS Real-Time stage ARN: arn:aws:ivs:<region>:<account>:stage/<id>.
bool IsStageArn(std::string_view arn);

// The <id> of a stage ARN (empty when it is not one).
std::string_view StageIdOf(std::string_view arn);

// True for a short stage id: 1-64 of [A-Za-z0-9-].
bool IsStageId(std::string_view id);

// True for an IVS stage name: 1-128 of [A-Za-z0-9-_].
bool IsStageName(std::string_view name);

// True for an IVS participant id: 1-64 of [A-Za-z0-9-].
bool IsParticipantId(std::string_view id);

}  // namespace ivs::stages
