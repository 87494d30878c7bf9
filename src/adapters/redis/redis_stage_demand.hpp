#pragma once

#include <memory>

#include "adapters/redis/redis_client.hpp"
#include "ports/stage_demand.hpp"

namespace ivs::adapters::redis {

// Seat demand and creation claims in Redis, shared by every instance (after REDIS_KEY_PREFIX P):
//   P{demand}:waiting   ZSET  join id -> until (ms)
//   P{demand}:creating  ZSET  claim id -> until (ms)
// Claims are granted by one Lua script that counts the hot store's registry (Pstages and each
// stage's state) in the same step, so the grant is atomic with respect to every instance.
std::shared_ptr<ports::StageDemand> MakeRedisStageDemand(std::shared_ptr<RedisClient> client);

}  // namespace ivs::adapters::redis
