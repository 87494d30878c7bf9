#pragma once

#include <string_view>

namespace ivs::audience {

// userId: 1-128 characters of [A-Za-z0-9._:@-].
bool IsValidUserId(std::string_view user_id);

// An IVS Real-Time stage ARN: arn:<partition>:ivs:<region>:<account>:stage/<id>, at most 128
// characters, id of [A-Za-z0-9-].
bool IsStageArn(std::string_view arn);

// A participant id as IVS issues them: 1-64 characters of [A-Za-z0-9_-].
bool IsValidParticipantId(std::string_view id);

}  // namespace ivs::audience
