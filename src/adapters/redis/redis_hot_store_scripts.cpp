#include "adapters/redis/redis_hot_store_scripts.hpp"

#include <string>

namespace ivs::adapters::redis::scripts {
namespace {

// Shared helpers prepended to every script. Sessions are stored as
// {sid, uid, stage, pid, joined, hb}; stages as {arn, name, master, auto, state, created,
// draining}. Times are Unix milliseconds kept as the strings the caller sent.
const char* kKeys = R"lua(
local P = ARGV[1]
local function skey(arn, part) return P .. '{stage:' .. arn .. '}:' .. part end
local function ukey(uid) return P .. '{user:' .. uid .. '}:session' end
)lua";
// The rest, prepended to every script but the heartbeat.
const char* kPrelude = R"lua(
local REG = P .. 'stages'
local EXP = P .. 'expiry'
local function hash_to_table(h)
  if #h == 0 then return nil end
  local t = {}
  for i = 1, #h, 2 do t[h[i]] = h[i + 1] end
  return t
end
local function load_session(uid) return hash_to_table(redis.call('HGETALL', ukey(uid))) end
local function pack(s) return {s.sid, s.uid, s.stage, s.pid or '', s.joined, s.hb} end
-- The session outbox: every start and end is appended here in the script that makes the
-- change, so a change and its history event happen together or not at all.
local OUTBOX = P .. '{outbox}'
local function emit(kind, s, reason, left)
  local e = {k = kind, sid = s.sid, uid = s.uid, stage = s.stage, pid = s.pid or '',
             joined = tonumber(s.joined) or 0, hb = tonumber(s.hb) or 0,
             left = tonumber(left) or 0, reason = reason or '', ua = s.ua or '', ip = s.ip or ''}
  redis.call('XADD', OUTBOX, 'MAXLEN', '~', OUTBOX_MAXLEN, '*', 'e', cjson.encode(e))
end
-- A session's start is recorded unless it waits for its participant (st = '0'); sessions
-- stored before the field existed had their start published separately.
local function started(s) return s.st ~= '0' end
-- Ends the session; its end event carries `reason` and `left` (Unix ms) when it had started.
local function end_session(s, reason, left)
  redis.call('DEL', ukey(s.uid))
  redis.call('ZREM', skey(s.stage, 'seats'), s.uid)
  redis.call('ZREM', EXP, s.uid)
  if reason and started(s) then
    emit('ended', s, reason, math.max(tonumber(left) or 0, tonumber(s.joined) or 0))
  end
end
-- Ended by the viewer or the server at `now`: an expired session ends at its last heartbeat.
local function end_now(s, reason, now, cutoff)
  if tonumber(s.hb) < cutoff then end_session(s, 'timeout', s.hb)
  else end_session(s, reason, now) end
end
local function redis_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function live_count(arn, cutoff)
  return redis.call('ZCOUNT', skey(arn, 'seats'), cutoff, '+inf')
end
local function pack_stage(arn, cutoff)
  local st = hash_to_table(redis.call('HGETALL', skey(arn, 'info')))
  if not st then st = {} end
  return {arn, st.name or '', st.master or '0', st.auto or '0', st.state or 'active',
          st.created or '0', st.draining or '', live_count(arn, cutoff)}
end
)lua";

RedisScript Make(const char* body) {
    return RedisScript("local OUTBOX_MAXLEN = " + std::to_string(kOutboxMaxLength) + "\n" +
                       kKeys + kPrelude + body);
}

// Only the key helpers: for the batched heartbeat, which runs most often and needs no more.
RedisScript MakeWithKeysOnly(const char* body) { return RedisScript(std::string(kKeys) + body); }

}  // namespace

// ARGV: P, uid, requested, new_sid, pid, now, cutoff, capacity, threshold, ua, ip, deadline,
// require_live, defer_start. `deadline` (Redis clock, Unix ms; '' for none): a script that
// runs later changes nothing, so a call its caller gave up on never seats anyone.
// `require_live`: '1' refuses the seat ('not_live') unless the publisher is live.
// `defer_start`: '1' records the session's start only when SetParticipant names its participant.
// New arguments go at the end.
const RedisScript& Seat() {
    static const RedisScript s = Make(R"lua(
local uid, req, sid, pid, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local cutoff, cap, thr = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local ua, ip, deadline = ARGV[10] or '', ARGV[11] or '', tonumber(ARGV[12] or '')
if deadline and redis_ms() > deadline then return {'late'} end
if ARGV[13] == '1' then
  local raw = redis.call('GET', P .. 'publisher')
  local ok, pub = pcall(cjson.decode, raw or '')
  if not raw or not ok or type(pub) ~= 'table' or pub.live ~= true then return {'not_live'} end
end
local defer = ARGV[14] == '1'
local cur = load_session(uid)
local ended = false
if cur and tonumber(cur.hb) < cutoff then
  end_session(cur, 'timeout', cur.hb)
  ended = pack(cur)
  cur = nil
end
if cur and (req == '' or req == cur.stage) then
  if tonumber(now) > tonumber(cur.hb) then
    cur.hb = now
    redis.call('HSET', ukey(uid), 'hb', now)
    redis.call('ZADD', skey(cur.stage, 'seats'), now, uid)
    redis.call('ZADD', EXP, now, uid)
  end
  if pid ~= '' then
    cur.pid = pid
    redis.call('HSET', ukey(uid), 'pid', pid)
  end
  return {'ok', 'kept', live_count(cur.stage, cutoff), pack(cur), ended}
end
local target
if req ~= '' then
  if redis.call('SISMEMBER', REG, req) == 0 then return {'not_found'} end
  if redis.call('HGET', skey(req, 'info'), 'state') ~= 'active' then return {'stage_full', 'draining'} end
  if live_count(req, cutoff) >= cap then return {'stage_full', 'full'} end
  target = req
else
  local best, best_n, best_c, any, any_n, any_c
  for _, arn in ipairs(redis.call('SMEMBERS', REG)) do
    local info = redis.call('HMGET', skey(arn, 'info'), 'state', 'created')
    if info[1] == 'active' then
      local n = live_count(arn, cutoff)
      local c = tonumber(info[2]) or 0
      if n < thr and (not best or n < best_n or (n == best_n and (c < best_c or (c == best_c and arn < best)))) then
        best, best_n, best_c = arn, n, c
      end
      if n < cap and (not any or n < any_n or (n == any_n and (c < any_c or (c == any_c and arn < any)))) then
        any, any_n, any_c = arn, n, c
      end
    end
  end
  target = best or any
  if not target then return {'stage_full'} end
end
local outcome = 'seated'
if cur then
  end_session(cur, 'moved', now)
  ended = pack(cur)
  outcome = 'moved'
end
local st = defer and '0' or '1'
redis.call('HSET', ukey(uid), 'sid', sid, 'uid', uid, 'stage', target, 'pid', pid,
           'joined', now, 'hb', now, 'st', st)
redis.call('ZADD', skey(target, 'seats'), now, uid)
redis.call('ZADD', EXP, now, uid)
local s = {sid = sid, uid = uid, stage = target, pid = pid, joined = now, hb = now, ua = ua, ip = ip}
if not defer then emit('started', s) end
return {'ok', outcome, live_count(target, cutoff), pack(s), ended}
)lua");
    return s;
}

// ARGV: P, then (uid, stage, sid, now, cutoff) for each heartbeat of the batch.
// Returns one reply per heartbeat: '' when there is no such live session, else its heartbeat
// as stored (Unix ms). Only the fields the check needs are read: the script's cost is mostly
// its Redis calls and the values they hand to Lua.
// The seats of the batch's heartbeats are refreshed with one ZADD per stage, after the loop:
// nothing between reads them, and a batch's viewers are mostly on few stages.
const RedisScript& Heartbeat() {
    static const RedisScript s = MakeWithKeysOnly(R"lua(
local out, seats = {}, {}
for b = 2, #ARGV - 4, 5 do
  local uid, stage, sid, now, cutoff = ARGV[b], ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], tonumber(ARGV[b + 4])
  local uk = ukey(uid)
  local f = redis.call('HMGET', uk, 'sid', 'stage', 'hb')
  local hb = tonumber(f[3])
  if not f[1] or f[2] ~= stage or not hb or hb < cutoff or (sid ~= '' and sid ~= f[1]) then
    out[#out + 1] = ''
  else
    if tonumber(now) > hb then
      f[3] = now
      redis.call('HSET', uk, 'hb', now)
      local on = seats[stage]
      if not on then on = {}; seats[stage] = on end
      on[#on + 1] = now
      on[#on + 1] = uid
      -- The expiry set is left alone: ExpireSessions moves a live session's entry forward.
    end
    out[#out + 1] = f[3]
  end
end
for stage, on in pairs(seats) do redis.call('ZADD', skey(stage, 'seats'), unpack(on)) end
return out
)lua");
    return s;
}

// ARGV: P, uid, stage, sid, now, cutoff (Unix ms; now '' = Redis's clock, cutoff '' = none),
// reason ('' = leave / timeout; 'cancelled' for a seat given back).
const RedisScript& Leave() {
    static const RedisScript s = Make(R"lua(
local uid, stage, sid = ARGV[2], ARGV[3], ARGV[4]
local now = tonumber(ARGV[5] or '') or redis_ms()
local cutoff = tonumber(ARGV[6] or '') or -math.huge
local reason = ARGV[7] or ''
local cur = load_session(uid)
if not cur or cur.stage ~= stage or (sid ~= '' and sid ~= cur.sid) then return {'none'} end
if reason ~= '' then end_session(cur, reason, now) else end_now(cur, 'leave', now, cutoff) end
return {'ok', pack(cur)}
)lua");
    return s;
}

// ARGV: P, uid, sid, pid, ua, ip. Records the session's start if it waited for its participant.
const RedisScript& SetParticipant() {
    static const RedisScript s = Make(R"lua(
local cur = load_session(ARGV[2])
if not cur or cur.sid ~= ARGV[3] then return {'not_found'} end
redis.call('HSET', ukey(ARGV[2]), 'pid', ARGV[4])
if cur.st == '0' then
  redis.call('HSET', ukey(ARGV[2]), 'st', '1')
  cur.pid, cur.ua, cur.ip = ARGV[4], ARGV[5] or '', ARGV[6] or ''
  emit('started', cur)
end
return {'ok'}
)lua");
    return s;
}

// ARGV: P, uid, cutoff
const RedisScript& GetSession() {
    static const RedisScript s = Make(R"lua(
local cur = load_session(ARGV[2])
if not cur or tonumber(cur.hb) < tonumber(ARGV[3]) then return {'none'} end
return {'ok', pack(cur)}
)lua");
    return s;
}

// ARGV: P, stage, cutoff, limit
const RedisScript& ListViewers() {
    static const RedisScript s = Make(R"lua(
local stage = ARGV[2]
local uids = redis.call('ZRANGEBYSCORE', skey(stage, 'seats'), ARGV[3], '+inf', 'LIMIT', 0, tonumber(ARGV[4]))
local out = {}
for _, uid in ipairs(uids) do
  local cur = load_session(uid)
  if cur and cur.stage == stage then out[#out + 1] = pack(cur) end
end
return out
)lua");
    return s;
}

// ARGV: P, cutoff, limit. Reads the oldest entries of the expiry index, at most 4 x limit.
// Returns {more, sessions ended}.
const RedisScript& ExpireSessions() {
    static const RedisScript s = Make(R"lua(
local cutoff, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {}
local examined = 0
-- Entries below the cutoff are either expired sessions (ended here) or live ones whose entry
-- still holds an older time (heartbeats do not update this set): those move to their last
-- heartbeat and leave the range, so every pass makes progress. Work is bounded per call: the
-- first element says whether entries below the cutoff may remain unexamined.
local more = 0
while #out < limit do
  if examined >= 4 * limit then more = 1 break end
  local uids = redis.call('ZRANGEBYSCORE', EXP, '-inf', '(' .. ARGV[2], 'LIMIT', 0, limit - #out)
  if #uids == 0 then break end
  for _, uid in ipairs(uids) do
    examined = examined + 1
    local cur = load_session(uid)
    if not cur then
      redis.call('ZREM', EXP, uid)
    elseif tonumber(cur.hb) < cutoff then
      end_session(cur, 'timeout', cur.hb)
      out[#out + 1] = pack(cur)
    else
      redis.call('ZADD', EXP, cur.hb, uid)
    end
  end
end
return {more, out}
)lua");
    return s;
}

// ARGV: P, arn, name, master, auto, state, created, draining
const RedisScript& UpsertStage() {
    static const RedisScript s = Make(R"lua(
redis.call('SADD', REG, ARGV[2])
redis.call('HSET', skey(ARGV[2], 'info'), 'arn', ARGV[2], 'name', ARGV[3], 'master', ARGV[4],
           'auto', ARGV[5], 'state', ARGV[6], 'created', ARGV[7], 'draining', ARGV[8])
return {'ok'}
)lua");
    return s;
}

// ARGV: P, arn, state, draining
const RedisScript& SetStageState() {
    static const RedisScript s = Make(R"lua(
if redis.call('SISMEMBER', REG, ARGV[2]) == 0 then return {'not_found'} end
redis.call('HSET', skey(ARGV[2], 'info'), 'state', ARGV[3], 'draining', ARGV[4])
return {'ok'}
)lua");
    return s;
}

// ARGV: P, arn, now, cutoff (Unix ms; now '' = Redis's clock, cutoff '' = none)
const RedisScript& RemoveStage() {
    static const RedisScript s = Make(R"lua(
local arn = ARGV[2]
local now = tonumber(ARGV[3] or '') or redis_ms()
local cutoff = tonumber(ARGV[4] or '') or -math.huge
local out = {}
for _, uid in ipairs(redis.call('ZRANGE', skey(arn, 'seats'), 0, -1)) do
  local cur = load_session(uid)
  if cur and cur.stage == arn then
    end_now(cur, 'stage_deleted', now, cutoff)
    out[#out + 1] = pack(cur)
  end
end
redis.call('DEL', skey(arn, 'seats'), skey(arn, 'info'))
redis.call('SREM', REG, arn)
return out
)lua");
    return s;
}

// ARGV: P, cutoff, [arn]
const RedisScript& ListStages() {
    static const RedisScript s = Make(R"lua(
local cutoff = ARGV[2]
if ARGV[3] then
  if redis.call('SISMEMBER', REG, ARGV[3]) == 0 then return {'not_found'} end
  return {'ok', {pack_stage(ARGV[3], cutoff)}}
end
local out = {}
for _, arn in ipairs(redis.call('SMEMBERS', REG)) do out[#out + 1] = pack_stage(arn, cutoff) end
return {'ok', out}
)lua");
    return s;
}

// ARGV: P, cutoff
const RedisScript& Snapshot() {
    static const RedisScript s = Make(R"lua(
local out = {}
for _, arn in ipairs(redis.call('SMEMBERS', REG)) do out[#out + 1] = pack_stage(arn, ARGV[2]) end
local pub = redis.call('GET', P .. 'publisher')
local pending = redis.call('GET', P .. 'pending_stages')
return {out, pub, pending}
)lua");
    return s;
}

}  // namespace ivs::adapters::redis::scripts
