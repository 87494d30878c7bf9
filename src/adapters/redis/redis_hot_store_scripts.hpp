#pragma once

#include "adapters/redis/redis_client.hpp"

namespace ivs::adapters::redis::scripts {

// Entries kept in the session outbox stream `P{outbox}` (XADD MAXLEN ~).
inline constexpr std::size_t kOutboxMaxLength = 1'000'000;

// Lua scripts of the Redis hot store; each runs atomically in one round trip. ARGV[1] is always
// the key prefix. See redis_hot_store.hpp for the key layout. The scripts that start or end a
// session (Seat, SetParticipant, Leave, ExpireSessions, RemoveStage) append its history event
// to the outbox stream in the same run.
const RedisScript& Seat();
const RedisScript& Heartbeat();  // batched: see ScriptBatcher
const RedisScript& Leave();
const RedisScript& SetParticipant();
const RedisScript& GetSession();
const RedisScript& ListViewers();
const RedisScript& ExpireSessions();
const RedisScript& UpsertStage();
const RedisScript& SetStageState();
const RedisScript& RemoveStage();
const RedisScript& ListStages();  // one stage when ARGV[3] is set
const RedisScript& Snapshot();

}  // namespace ivs::adapters::redis::scripts
