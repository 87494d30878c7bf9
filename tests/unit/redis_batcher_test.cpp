// ScriptBatcher: concurrent calls of one script share script runs, and every caller still gets
// its own reply (or the error) — never a neighbour's.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include <future>

#include "adapters/redis/redis_batcher.hpp"
#include "core/lane.hpp"
#include "core/random.hpp"
#include "redis_test_util.hpp"

namespace ivs::adapters::redis {
namespace {

using test::IoThreads;
using test::PrivateRedis;
namespace asio = boost::asio;

// Per call: a key and a value. Increments the key by the value, counts script runs in
// ARGV[1]'s counter, and answers {key, new value} per call.
const RedisScript& AddScript() {
    static const RedisScript s(R"lua(
redis.call('INCR', ARGV[1])
local out = {}
for b = 2, #ARGV - 1, 2 do
  out[#out + 1] = {ARGV[b], redis.call('INCRBY', ARGV[b], ARGV[b + 1])}
end
return out
)lua");
    return s;
}

RedisOptions HarnessOptions() {
    RedisOptions o;
    o.host = test::HarnessEnv("IVS_TEST_REDIS_HOST").value_or("127.0.0.1");
    o.port = std::stoi(test::HarnessEnv("IVS_TEST_REDIS_PORT").value_or("6379"));
    o.db = 7;
    o.key_prefix = "batch:" + RandomAlnum(8) + ":";
    return o;
}

TEST(ScriptBatcher, ConcurrentCallsShareRunsAndEachGetsItsOwnReply) {
    IVS_REQUIRE_HARNESS("IVS_TEST_REDIS_PORT");
    IoThreads io;
    auto opts = HarnessOptions();
    auto client = MakeRedisClient(io.ioc(), opts);
    const std::string runs = opts.key_prefix + "runs";
    ScriptBatcher batcher(client, AddScript(), {runs},
                          {.max_batch = 16, .max_in_flight = 1, .max_queue = 10000});

    constexpr int kCalls = 1000;
    std::vector<std::future<Result<RedisReply>>> futures;
    for (int i = 0; i < kCalls; ++i) {
        // Call i adds i to its own key.
        std::vector<std::string> args{opts.key_prefix + "k" + std::to_string(i), std::to_string(i)};
        futures.push_back(asio::co_spawn(io.ioc(), batcher.Call(std::move(args)), asio::use_future));
    }
    for (int i = 0; i < kCalls; ++i) {
        auto r = futures[static_cast<std::size_t>(i)].get();
        ASSERT_TRUE(r) << r.error().message;
        ASSERT_TRUE(r->IsArray());
        ASSERT_EQ(r->elements.size(), 2u);
        EXPECT_EQ(r->elements[0].str, opts.key_prefix + "k" + std::to_string(i));
        EXPECT_EQ(r->elements[1].integer, i);
    }
    auto count = io.Run(client->Command({"GET", runs}));
    ASSERT_TRUE(count);
    const int script_runs = std::stoi(count->str);
    // 1,000 calls with one batch in flight at a time: far fewer runs than calls, and no run
    // larger than its limit.
    EXPECT_LT(script_runs, kCalls / 2);
    EXPECT_GE(script_runs, kCalls / 16);
}

TEST(ScriptBatcher, EveryWaitingCallerGetsTheErrorWhenRedisIsDown) {
    IVS_REQUIRE_HARNESS("IVS_TEST_REDIS_PORT");
    IoThreads io;
    PrivateRedis redis;
    RedisOptions opts;
    opts.port = redis.port();
    opts.command_timeout = std::chrono::milliseconds(500);
    opts.connect_timeout = std::chrono::milliseconds(500);
    opts.max_backoff = std::chrono::milliseconds(100);
    auto client = MakeRedisClient(io.ioc(), opts);
    ASSERT_TRUE(client->WaitConnected(std::chrono::seconds(5)));
    ScriptBatcher batcher(client, AddScript(), {"runs"},
                          {.max_batch = 8, .max_in_flight = 1, .max_queue = 10000});
    redis.Stop();

    std::vector<std::future<Result<RedisReply>>> futures;
    for (int i = 0; i < 100; ++i) {
        futures.push_back(asio::co_spawn(io.ioc(), batcher.Call({"k", "1"}), asio::use_future));
    }
    for (auto& f : futures) {
        auto r = f.get();
        ASSERT_FALSE(r);
        EXPECT_TRUE(r.error().code == Errc::unavailable || r.error().code == Errc::timeout)
            << r.error().message;
    }

    // Redis back: the batcher carries on.
    ASSERT_TRUE(redis.Start());
    ASSERT_TRUE(test::WaitUntil([&] {
        auto r = io.Run(batcher.Call({"k", "5"}));
        return r && r->IsArray() && r->elements.size() == 2 && r->elements[1].integer == 5;
    }));
}

// The id Redis gives the one connection of `c` (CLIENT ID).
std::int64_t ConnectionId(IoThreads& io, RedisClient& c) {
    auto r = io.Run(c.Command({"CLIENT", "ID"}));
    return r ? r->integer : -1;
}

// The last command Redis saw on connection `id` (the "cmd=" of CLIENT LIST).
std::string LastCommand(IoThreads& io, RedisClient& observer, std::int64_t id) {
    auto r = io.Run(observer.Command({"CLIENT", "LIST", "ID", std::to_string(id)}));
    if (!r) return {};
    const auto at = r->str.find(" cmd=");
    if (at == std::string::npos) return {};
    const auto from = at + 5;
    return r->str.substr(from, r->str.find(' ', from) - from);
}

// A call made as I/O thread `lane` (on that thread's loop).
asio::awaitable<Result<RedisReply>> CallAs(int lane, LaneBatchers* batchers,
                                           std::vector<std::string> args) {
    SetCurrentLane(lane);
    co_return co_await batchers->ForThisThread().Call(std::move(args));
}

TEST(LaneBatchers, EachThreadCallsOnItsOwnConnectionAndTheMainOneStandsInWhileItIsDown) {
    IVS_REQUIRE_HARNESS("IVS_TEST_REDIS_PORT");
    IoThreads main_io(1), lane_io(1), observer_io(1);
    auto opts = HarnessOptions();
    opts.connections = 1;
    auto main = MakeRedisClient(main_io.ioc(), opts);
    auto lane = MakeRedisClient(lane_io.ioc(), opts);
    auto observer = MakeRedisClient(observer_io.ioc(), opts);
    for (auto* c : {main.get(), lane.get(), observer.get()}) {
        ASSERT_TRUE(c->WaitConnected(std::chrono::seconds(5)));
    }
    const std::int64_t main_id = ConnectionId(main_io, *main);
    const std::int64_t lane_id = ConnectionId(lane_io, *lane);
    LaneBatchers batchers(main, {lane}, AddScript(), {opts.key_prefix + "runs"},
                          {.max_batch = 16, .max_in_flight = 1});
    const std::string key = opts.key_prefix + "k";
    auto is_script = [](const std::string& cmd) { return cmd.rfind("eval", 0) == 0; };

    // Lane 1's call runs on lane 1's connection; the main connection is not used.
    auto r = lane_io.Run(CallAs(1, &batchers, {key, "1"}));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(is_script(LastCommand(observer_io, *observer, lane_id)));
    EXPECT_FALSE(is_script(LastCommand(observer_io, *observer, main_id)));

    // Lane 1's connection down: its calls still succeed, on the main connection.
    lane->Stop();
    r = lane_io.Run(CallAs(1, &batchers, {key, "2"}));
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(r->IsArray() && r->elements.size() == 2);
    EXPECT_EQ(r->elements[1].integer, 3);
    EXPECT_TRUE(is_script(LastCommand(observer_io, *observer, main_id)));
}

}  // namespace
}  // namespace ivs::adapters::redis
