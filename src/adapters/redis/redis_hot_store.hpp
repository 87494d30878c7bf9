#pragma once

#include <memory>
#include <vector>

#include "adapters/redis/redis_client.hpp"
#include "ports/hot_store.hpp"

namespace ivs::adapters::redis {

// The hot store in Redis, shared by every instance of a deployment. Seat, heartbeat, leave and
// expiry are Lua scripts: atomic, one round trip each, so no stage goes over capacity however
// many instances seat at once. Concurrent heartbeats of one instance share a script run
// (ScriptBatcher); each is still checked and applied on its own.
//
// Key layout (after REDIS_KEY_PREFIX = P):
//   P{stage:<arn>}:info      HASH  registry record of a managed stage
//   P{stage:<arn>}:seats     ZSET  user id -> last heartbeat (ms); live count = ZCOUNT cutoff..
//   P{user:<id>}:session     HASH  the user's session (a user has at most one)
//   Pstages                  SET   the deployment's managed-stage registry
//   Pexpiry                  ZSET  user id -> a time at or before the last heartbeat (the
//                                  seat's; heartbeats leave it), read oldest-first in bounded
//                                  batches (ZRANGEBYSCORE ... LIMIT) by ExpireSessions, which ends
//                                  expired sessions and moves live ones to their last heartbeat
//   Ppublisher, Ppending_stages, Preplications (HASH), Ponce:<key>
// Per-stage keys share the `{stage:<arn>}` hash tag. A seat chooses among stages and ends the
// user's previous session, so its script touches the registry, several stages and the user key:
// the scripts therefore run on a single Redis (or a Redis Cluster with every key of one
// deployment in one slot, e.g. a prefix made of a hash tag such as `{ivs-prod}:`). This keeps
// seating one atomic step; splitting it across slots would need a two-phase protocol.
//
// Thread-safe. Errors: unavailable/timeout when Redis cannot be reached; not_found and
// stage_full as the port documents.
// `lane_clients`: one client per further I/O thread (lanes 1..n-1), made on that thread's
// io_context; heartbeats sent from lane i use lane_clients[i - 1] while it is connected.
std::shared_ptr<ports::HotStore> MakeRedisHotStore(
    std::shared_ptr<RedisClient> client,
    std::vector<std::shared_ptr<RedisClient>> lane_clients = {});

}  // namespace ivs::adapters::redis
