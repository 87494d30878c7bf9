#pragma once

#include <string_view>

// The identifier rules every endpoint and adapter shares: one accept/refuse answer per value.
namespace ivs {

// An IVS Real-Time stage ARN: arn:aws:ivs:<region>:<account>:stage/<id>, at most 128 characters,
// region of [a-z0-9-], account of digits, id as IsStageId.
bool IsStageArn(std::string_view arn);

// The <id> of a stage ARN (empty when it is not one).
std::string_view StageIdOf(std::string_view arn);

// A short stage id: 1-64 of [A-Za-z0-9-].
bool IsStageId(std::string_view id);

// An IVS stage name: 1-128 of [A-Za-z0-9-_].
bool IsStageName(std::string_view name);

// A participant id as IVS issues them: 1-64 of [A-Za-z0-9-_].
bool IsParticipantId(std::string_view id);

// A caller's user id: 1-128 of [A-Za-z0-9._:@-].
bool IsValidUserId(std::string_view user_id);

}  // namespace ivs
