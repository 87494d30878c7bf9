#include "adapters/redis/redis_stage_demand.hpp"

#include "core/crypto.hpp"
#include "core/random.hpp"
#include "core/time_format.hpp"

namespace ivs::adapters::redis {
namespace {

using ports::ClaimRequest;
using ports::DemandView;

// ARGV: P, now, want, target_active, limit, until, claim ids (want of them). Returns the
// granted ids.
const RedisScript& ClaimScript() {
    static const RedisScript s(R"lua(
local P, now = ARGV[1], tonumber(ARGV[2])
local C = P .. '{demand}:creating'
redis.call('ZREMRANGEBYSCORE', C, '-inf', now)
local creating = redis.call('ZCARD', C)
local reg = redis.call('SMEMBERS', P .. 'stages')
local active = 0
for _, arn in ipairs(reg) do
  if redis.call('HGET', P .. '{stage:' .. arn .. '}:info', 'state') == 'active' then
    active = active + 1
  end
end
local n = math.min(tonumber(ARGV[3]), tonumber(ARGV[4]) - active - creating,
                   tonumber(ARGV[5]) - #reg - creating)
local out = {}
for i = 1, n do
  local id = ARGV[6 + i]
  if not id then break end
  redis.call('ZADD', C, ARGV[6], id)
  out[#out + 1] = id
end
return out
)lua");
    return s;
}

// ARGV: P, now. Returns {waiting, creating}.
const RedisScript& ViewScript() {
    static const RedisScript s(R"lua(
local P, now = ARGV[1], ARGV[2]
local W, C = P .. '{demand}:waiting', P .. '{demand}:creating'
redis.call('ZREMRANGEBYSCORE', W, '-inf', now)
redis.call('ZREMRANGEBYSCORE', C, '-inf', now)
return {redis.call('ZCARD', W), redis.call('ZCARD', C)}
)lua");
    return s;
}

std::string Ms(SystemTime t) { return std::to_string(ToUnixMillis(t)); }

class RedisStageDemand final : public ports::StageDemand {
public:
    explicit RedisStageDemand(std::shared_ptr<RedisClient> client)
        : client_(std::move(client)),
          waiting_(client_->KeyPrefix() + "{demand}:waiting"),
          creating_(client_->KeyPrefix() + "{demand}:creating") {}

    Async<void> AddWaiting(std::string join_id, SystemTime until) override {
        std::vector<std::string> args{std::string("ZADD"), waiting_, Ms(until), std::move(join_id)};
        co_return co_await Do(std::move(args));
    }

    Async<void> RemoveWaiting(std::string join_id) override {
        std::vector<std::string> args{std::string("ZREM"), waiting_, std::move(join_id)};
        co_return co_await Do(std::move(args));
    }

    Async<std::vector<std::string>> Claim(ClaimRequest rq) override {
        std::vector<std::string> out;
        if (rq.want <= 0) co_return out;
        std::vector<std::string> args{client_->KeyPrefix(),
                                      Ms(rq.now),
                                      std::to_string(rq.want),
                                      std::to_string(rq.target_active),
                                      std::to_string(rq.limit),
                                      Ms(rq.until)};
        for (int i = 0; i < rq.want; ++i) args.push_back(HexEncode(RandomBytes(8)));
        std::vector<std::string> keys;
        auto r = co_await client_->Eval(ClaimScript(), std::move(keys), std::move(args));
        if (!r) co_return r.error();
        for (auto& e : r->elements) out.push_back(std::move(e.str));
        co_return out;
    }

    Async<void> Release(std::string claim_id) override {
        std::vector<std::string> args{std::string("ZREM"), creating_, std::move(claim_id)};
        co_return co_await Do(std::move(args));
    }

    Async<bool> Extend(std::string claim_id, SystemTime until) override {
        std::vector<std::string> args{std::string("ZADD"), creating_, std::string("XX"),
                                      std::string("CH"), Ms(until), std::move(claim_id)};
        auto r = co_await client_->Command(std::move(args));
        if (!r) co_return r.error();
        co_return r->integer > 0;
    }

    Async<bool> ClaimLive(std::string claim_id, SystemTime now) override {
        std::vector<std::string> args{std::string("ZSCORE"), creating_, std::move(claim_id)};
        auto r = co_await client_->Command(std::move(args));
        if (!r) co_return r.error();
        if (r->IsNil()) co_return false;
        co_return std::stoll(r->str) > ToUnixMillis(now);
    }

    Async<DemandView> View(SystemTime now) override {
        std::vector<std::string> keys;
        std::vector<std::string> args{client_->KeyPrefix(), Ms(now)};
        auto r = co_await client_->Eval(ViewScript(), std::move(keys), std::move(args));
        if (!r) co_return r.error();
        DemandView v;
        if (r->elements.size() == 2) {
            v.waiting = static_cast<int>(r->elements[0].AsInt().value_or(0));
            v.creating = static_cast<int>(r->elements[1].AsInt().value_or(0));
        }
        co_return v;
    }

private:
    Async<void> Do(std::vector<std::string> args) {
        auto r = co_await client_->Command(std::move(args));
        if (!r) co_return r.error();
        co_return Ok();
    }

    std::shared_ptr<RedisClient> client_;
    std::string waiting_;
    std::string creating_;
};

}  // namespace

std::shared_ptr<ports::StageDemand> MakeRedisStageDemand(std::shared_ptr<RedisClient> client) {
    return std::make_shared<RedisStageDemand>(std::move(client));
}

}  // namespace ivs::adapters::redis
