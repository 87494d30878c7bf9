#pragma once

#include <chrono>
#include <string>

#include "config/config.hpp"

namespace ivs {

// The secret every instance of a Redis deployment shares under the key `<REDIS_KEY_PREFIX>name`:
// the first instance to start stores a random one (SET NX, so two instances starting together
// agree on one), the others read it. Blocks the caller (start-up, before the I/O threads run)
// while Redis is unreachable, up to `wait`. Throws std::runtime_error when no secret could be
// read by then.
std::string SharedRedisSecret(const Config& config, const std::string& name,
                              std::chrono::seconds wait);

}  // namespace ivs
