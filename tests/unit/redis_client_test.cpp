#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include <future>

#include "adapters/redis/redis_client.hpp"
#include "adapters/redis/redis_connection.hpp"
#include "adapters/redis/redis_rate_limiter.hpp"
#include "core/random.hpp"
#include "redis_test_util.hpp"

namespace ivs::adapters::redis {
namespace {

using test::IoThreads;
using test::PrivateRedis;
using test::WaitUntil;
namespace asio = boost::asio;

RedisOptions HarnessOptions() {
    RedisOptions o;
    o.host = test::HarnessEnv("IVS_TEST_REDIS_HOST").value_or("127.0.0.1");
    o.port = std::stoi(test::HarnessEnv("IVS_TEST_REDIS_PORT").value_or("6379"));
    o.db = 7;
    o.key_prefix = "test:" + RandomAlnum(8) + ":";
    return o;
}

RedisOptions LocalOptions(int port) {
    RedisOptions o;
    o.port = port;
    o.command_timeout = std::chrono::milliseconds(500);
    o.connect_timeout = std::chrono::milliseconds(500);
    o.max_backoff = std::chrono::milliseconds(100);
    return o;
}

class RedisClientTest : public ::testing::Test {
protected:
    void SetUp() override { IVS_REQUIRE_HARNESS("IVS_TEST_REDIS_PORT"); }
    IoThreads io_;
};

TEST_F(RedisClientTest, SetGetAndTypes) {
    auto opts = HarnessOptions();
    auto client = MakeRedisClient(io_.ioc(), opts);
    const std::string key = opts.key_prefix + "k";
    auto set = io_.Run(client->Command({"SET", key, std::string("a\0b", 3), "PX", "60000"}));
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(set->type, RedisReply::Type::status);
    auto get = io_.Run(client->Command({"GET", key}));
    ASSERT_TRUE(get);
    EXPECT_EQ(get->str, std::string("a\0b", 3));
    auto missing = io_.Run(client->Command({"GET", key + "x"}));
    ASSERT_TRUE(missing);
    EXPECT_TRUE(missing->IsNil());
    auto err = io_.Run(client->Command({"INCR", key}));
    ASSERT_FALSE(err);
    EXPECT_EQ(err.error().code, Errc::internal);
    auto raw = io_.Run(client->Execute({"INCR", key}));
    ASSERT_TRUE(raw);
    EXPECT_TRUE(raw->IsError());
}

TEST_F(RedisClientTest, ConcurrentCommandsArePipelinedAndAllAnswered) {
    auto opts = HarnessOptions();
    opts.connections = 2;
    auto client = MakeRedisClient(io_.ioc(), opts);
    const std::string key = opts.key_prefix + "counter";
    constexpr int kCalls = 2000;
    std::vector<std::future<Result<RedisReply>>> futures;
    for (int i = 0; i < kCalls; ++i) {
        futures.push_back(asio::co_spawn(io_.ioc(), client->Command({"INCR", key}),
                                         asio::use_future));
    }
    std::set<std::int64_t> seen;
    for (auto& f : futures) {
        auto r = f.get();
        ASSERT_TRUE(r) << r.error().message;
        seen.insert(r->integer);
    }
    // Every caller got its own reply: the values 1..kCalls, each once.
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(kCalls));
    EXPECT_EQ(*seen.rbegin(), kCalls);
    io_.Run(client->Command({"DEL", key}));
}

TEST_F(RedisClientTest, SelectsTheConfiguredDatabase) {
    auto opts = HarnessOptions();
    auto db7 = MakeRedisClient(io_.ioc(), opts);
    auto db0_opts = opts;
    db0_opts.db = 0;
    auto db0 = MakeRedisClient(io_.ioc(), db0_opts);
    const std::string key = opts.key_prefix + "db";
    ASSERT_TRUE(io_.Run(db7->Command({"SET", key, "seven", "PX", "60000"})));
    auto in7 = io_.Run(db7->Command({"GET", key}));
    auto in0 = io_.Run(db0->Command({"GET", key}));
    ASSERT_TRUE(in7 && in0);
    EXPECT_EQ(in7->str, "seven");
    EXPECT_TRUE(in0->IsNil());
}

TEST_F(RedisClientTest, EvalFallsBackWhenTheScriptCacheIsEmpty) {
    auto opts = HarnessOptions();
    auto client = MakeRedisClient(io_.ioc(), opts);
    // A script no other test loads: its SHA is unknown to the server on the first call.
    RedisScript script("return {KEYS[1], ARGV[1], '" + RandomAlnum(12) + "'}");
    auto r = io_.Run(client->Eval(script, {"k1"}, {"v1"}));
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(r->IsArray());
    EXPECT_EQ(r->elements[0].str, "k1");
    EXPECT_EQ(r->elements[1].str, "v1");
    // Now cached: EVALSHA answers by itself.
    auto cached = io_.Run(client->Execute({"EVALSHA", script.sha1(), "1", "k2", "v2"}));
    ASSERT_TRUE(cached);
    EXPECT_FALSE(cached->IsError()) << cached->str;
}

TEST(RedisClientOffline, FailsFastWhenNothingListens) {
    IoThreads io;
    auto client = MakeRedisClient(io.ioc(), LocalOptions(test::FreePort()));
    auto r = io.Run(client->Command({"PING"}));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::unavailable);
    // While down, calls fail at once instead of waiting for Redis.
    auto again = io.Run(client->Command({"PING"}));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::unavailable);
}

TEST(RedisClientPrivate, RecoversAfterRedisRestarts) {
    PrivateRedis server;
    IoThreads io;
    auto client = MakeRedisClient(io.ioc(), LocalOptions(server.port()));
    RedisScript script("return ARGV[1] .. '" + RandomAlnum(8) + "'");
    ASSERT_TRUE(io.Run(client->Command({"SET", "k", "v"})));
    ASSERT_TRUE(io.Run(client->Eval(script, {}, {"x"})));
    server.Stop();
    EXPECT_TRUE(WaitUntil([&] {
        auto r = io.Run(client->Command({"PING"}));
        return !r && r.error().code == Errc::unavailable;
    }));
    ASSERT_TRUE(server.Start());
    EXPECT_TRUE(WaitUntil([&] { return static_cast<bool>(io.Run(client->Command({"PING"}))); }));
    // The restarted server lost its script cache: EVALSHA falls back to EVAL.
    auto r = io.Run(client->Eval(script, {}, {"y"}));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->str.substr(0, 1), "y");
}

TEST(RedisClientPrivate, AuthenticatesWithThePassword) {
    PrivateRedis server("--requirepass secret");
    IoThreads io;
    auto good = LocalOptions(server.port());
    good.password = "secret";
    good.db = 3;
    auto client = MakeRedisClient(io.ioc(), good);
    auto r = io.Run(client->Command({"SET", "k", "v"}));
    ASSERT_TRUE(r) << r.error().message;

    auto bad = LocalOptions(server.port());
    bad.password = "wrong";
    auto rejected = MakeRedisClient(io.ioc(), bad);
    auto denied = io.Run(rejected->Command({"GET", "k"}));
    ASSERT_FALSE(denied);
    EXPECT_EQ(denied.error().code, Errc::unavailable);
}

TEST(RedisClientPrivate, CommandDeadlineEndsAStalledCallAndTheClientRecovers) {
    PrivateRedis server;
    IoThreads io;
    auto opts = LocalOptions(server.port());
    opts.connections = 1;
    opts.command_timeout = std::chrono::milliseconds(200);
    auto client = MakeRedisClient(io.ioc(), opts);
    ASSERT_TRUE(io.Run(client->Command({"PING"})));
    // Another client pauses every command for 2 s: ours stalls past its deadline.
    ASSERT_EQ(test::RunCommand("redis-cli -p " + std::to_string(server.port()) +
                               " client pause 2000 WRITE"),
              0);
    auto r = io.Run(client->Command({"SET", "k", "v"}));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::timeout);
    ASSERT_EQ(test::RunCommand("redis-cli -p " + std::to_string(server.port()) + " client unpause"),
              0);
    EXPECT_TRUE(
        WaitUntil([&] { return static_cast<bool>(io.Run(client->Command({"SET", "k", "v"}))); }));
}

TEST(RedisClientPrivate, AfterAStallEveryCallFailsAtOnceUntilRedisAnswersAgain) {
    PrivateRedis server;
    IoThreads io;
    auto opts = LocalOptions(server.port());
    opts.connections = 2;
    auto client = MakeRedisClient(io.ioc(), opts);
    ASSERT_TRUE(WaitUntil([&] { return client->ReadyConnections() == 2; }));
    ASSERT_TRUE(server.Signal(SIGSTOP));
    auto first = io.Run(client->Command({"SET", "k", "v"}));
    ASSERT_FALSE(first);
    EXPECT_EQ(first.error().code, Errc::timeout);
    // The breaker is open on every connection: no call waits for the command timeout again,
    // and the reconnection probes stay unanswered while Redis is stopped.
    for (int i = 0; i < 20; ++i) {
        auto r = io.Run(client->Command({"GET", "k"}));
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, Errc::unavailable) << "call " << i;
    }
    EXPECT_EQ(client->ReadyConnections(), 0);
    ASSERT_TRUE(server.Signal(SIGCONT));
    EXPECT_TRUE(WaitUntil([&] { return static_cast<bool>(io.Run(client->Command({"GET", "k"}))); }));
}

// A caller far below its limit is decided locally and counted in the background: a hung Redis
// neither delays nor fails its requests (it would hold up /api/health behind the rate limiter),
// and the hits it did not take are counted once Redis answers again.
TEST(RedisClientPrivate, RateLimitHitsFarBelowTheLimitDoNotWaitForAHungRedis) {
    PrivateRedis server;
    IoThreads io;
    auto client = MakeRedisClient(io.ioc(), LocalOptions(server.port()));
    ASSERT_TRUE(WaitUntil([&] { return client->ReadyConnections() > 0; }));
    auto limiter = MakeRedisRateLimiter(client);
    const auto window = std::chrono::milliseconds(600'000);
    ASSERT_TRUE(server.Signal(SIGSTOP));
    for (int i = 0; i < 50; ++i) {
        auto d = io.Run(limiter->Hit("ip:10.0.0.1", 1'000'000, window));
        ASSERT_TRUE(d) << "hit " << i << ": " << d.error().message;
        EXPECT_TRUE(d->allowed);
    }
    ASSERT_TRUE(server.Signal(SIGCONT));
    // Once Redis answers, the counter there catches up with every hit made meanwhile.
    const std::string cli = "redis-cli -p " + std::to_string(server.port());
    EXPECT_TRUE(WaitUntil([&] {
        (void)io.Run(limiter->Hit("ip:10.0.0.1", 1'000'000, window));
        auto n = io.Run(client->Command({"GET", client->KeyPrefix() + "ratelimit:{ip:10.0.0.1}"}));
        return n && n->AsInt().value_or(0) >= 50;
    }));
}

TEST(RedisClientPrivate, ARedisBusyWithAScriptAnswersUnavailableNotInternal) {
    PrivateRedis server("--busy-reply-threshold 50");
    IoThreads io;
    auto client = MakeRedisClient(io.ioc(), LocalOptions(server.port()));
    ASSERT_TRUE(io.Run(client->Command({"PING"})));
    // Another client runs a script that never ends: Redis answers everyone else BUSY.
    const std::string cli = "redis-cli -p " + std::to_string(server.port());
    test::RunCommand(cli + " EVAL 'while true do end' 0 > /dev/null 2>&1 &");
    Result<RedisReply> r = RedisReply{};
    EXPECT_TRUE(WaitUntil([&] {
        r = io.Run(client->Command({"GET", "k"}));
        return !r;
    }));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::unavailable) << r.error().message;
    EXPECT_TRUE(WaitUntil([&] { return test::RunCommand(cli + " SCRIPT KILL > /dev/null 2>&1") == 0; }));
    EXPECT_TRUE(WaitUntil([&] { return static_cast<bool>(io.Run(client->Command({"GET", "k"}))); }));
}

// A redis-server that speaks only TLS, with a self-signed certificate for 127.0.0.1.
class TlsRedis {
public:
    TlsRedis() : port_(test::FreePort()) {
        const std::string d = dir_.path();
        ok_ = test::RunCommand("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
                               " -addext subjectAltName=IP:127.0.0.1 -keyout " + d +
                               "/key.pem -out " + d + "/cert.pem 2>/dev/null") == 0 &&
              test::RunCommand("redis-server --port 0 --tls-port " + std::to_string(port_) +
                               " --bind 127.0.0.1 --tls-cert-file " + d + "/cert.pem --tls-key-file " +
                               d + "/key.pem --tls-ca-cert-file " + d +
                               "/cert.pem --tls-auth-clients no --save '' --dir " + d +
                               " --daemonize yes --pidfile " + d + "/redis.pid --logfile " + d +
                               "/redis.log") == 0 &&
              WaitUntil([&] {
                  std::string out;
                  test::RunCommand("redis-cli --tls --cacert " + d + "/cert.pem -p " +
                                       std::to_string(port_) + " ping 2>/dev/null",
                                   &out);
                  return out.find("PONG") != std::string::npos;
              });
    }
    ~TlsRedis() { test::RunCommand(test::HarnessDir() + "/redis.sh stop " + dir_.path()); }
    bool ok() const { return ok_; }
    int port() const { return port_; }
    std::string ca_file() const { return dir_.path() + "/cert.pem"; }

private:
    test::TempDir dir_;
    int port_;
    bool ok_ = false;
};

TEST(RedisClientTls, TalksTlsWithTheConfiguredCaAndRefusesUnverifiedServers) {
    TlsRedis server;
    if (!server.ok()) GTEST_SKIP() << "this redis-server cannot serve TLS";
    IoThreads io;
    auto opts = LocalOptions(server.port());
    opts.host = "127.0.0.1";
    opts.tls = true;
    opts.tls_ca_file = server.ca_file();
    auto client = MakeRedisClient(io.ioc(), opts);
    auto set = io.Run(client->Command({"SET", "k", "over tls"}));
    ASSERT_TRUE(set) << set.error().message;
    auto get = io.Run(client->Command({"GET", "k"}));
    ASSERT_TRUE(get);
    EXPECT_EQ(get->str, "over tls");

    // A subscriber connection built without a context of its own verifies the same way.
    std::atomic<int> pushes{0};
    auto subscriber = std::make_shared<Connection>(
        io.ioc(), opts, nullptr,
        [&](RedisReply r) {
            if (r.IsArray() && !r.elements.empty() && r.elements[0].str == "message") ++pushes;
        },
        std::vector<std::vector<std::string>>{{"SUBSCRIBE", "news"}});
    subscriber->Start();
    EXPECT_TRUE(WaitUntil([&] {
        io.Run(client->Command({"PUBLISH", "news", "hello"}));
        return pushes.load() > 0;
    }));
    subscriber->Stop();

    // The system store does not know this certificate: no connection, 503-style errors.
    auto unverified = opts;
    unverified.tls_ca_file.clear();
    auto refused = MakeRedisClient(io.ioc(), unverified);
    auto r = io.Run(refused->Command({"PING"}));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::unavailable);

    // Plain TCP to a TLS port gets no answer it can use either.
    auto plain = opts;
    plain.tls = false;
    auto cleartext = MakeRedisClient(io.ioc(), plain);
    auto p = io.Run(cleartext->Command({"PING"}));
    ASSERT_FALSE(p);
}

}  // namespace
}  // namespace ivs::adapters::redis
