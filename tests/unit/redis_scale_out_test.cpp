#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>

#include "adapters/local/local_event_bus.hpp"
#include "adapters/redis/redis_client.hpp"
#include "adapters/redis/redis_event_bus.hpp"
#include "adapters/redis/redis_leadership.hpp"
#include "adapters/redis/redis_rate_limiter.hpp"
#include "adapters/redis/redis_session_stream.hpp"
#include "core/random.hpp"
#include "redis_test_util.hpp"

namespace ivs::adapters::redis {
namespace {

using test::IoThreads;
using test::WaitUntil;
namespace asio = boost::asio;

RedisOptions Options(const std::string& prefix) {
    RedisOptions o;
    o.host = test::HarnessEnv("IVS_TEST_REDIS_HOST").value_or("127.0.0.1");
    o.port = std::stoi(test::HarnessEnv("IVS_TEST_REDIS_PORT").value_or("6379"));
    o.db = 7;
    o.key_prefix = prefix;
    o.command_timeout = std::chrono::milliseconds(500);
    o.connect_timeout = std::chrono::milliseconds(500);
    o.max_backoff = std::chrono::milliseconds(100);
    return o;
}

class ScaleOutTest : public ::testing::Test {
protected:
    void SetUp() override { IVS_REQUIRE_HARNESS("IVS_TEST_REDIS_PORT"); }
    std::string prefix_ = "scale:" + RandomAlnum(8) + ":";
    IoThreads io_;
};

// ---- Leader lease

TEST_F(ScaleOutTest, ExactlyOneLeaderAndTheOtherTakesOverWhenItGoes) {
    auto a_client = MakeRedisClient(io_.ioc(), Options(prefix_));
    auto b_client = MakeRedisClient(io_.ioc(), Options(prefix_));
    auto lease = std::chrono::milliseconds(600);
    auto a = std::make_shared<RedisLeadership>(io_.ioc(), a_client, "a", lease);
    auto b = std::make_shared<RedisLeadership>(io_.ioc(), b_client, "b", lease);
    a->Start();
    b->Start();
    ASSERT_TRUE(WaitUntil([&] { return a->IsLeader() || b->IsLeader(); }));
    // Renewals keep the same holder: never two at once.
    for (int i = 0; i < 20; ++i) {
        EXPECT_FALSE(a->IsLeader() && b->IsLeader());
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    auto& leader = a->IsLeader() ? a : b;
    auto& other = a->IsLeader() ? b : a;
    const auto first_token = leader->FencingToken();
    EXPECT_GT(first_token, 0u);
    EXPECT_EQ(other->FencingToken(), 0u);

    // The leader dies without releasing (its client stops): the other takes over after the lease.
    (leader == a ? a_client : b_client)->Stop();
    ASSERT_TRUE(WaitUntil([&] { return other->IsLeader(); }, std::chrono::seconds(5)));
    EXPECT_GT(other->FencingToken(), first_token);
    // The old holder noticed it could not renew and stepped down.
    EXPECT_TRUE(WaitUntil([&] { return !leader->IsLeader(); }, std::chrono::seconds(5)));
    io_.Run(a->Stop());
    io_.Run(b->Stop());
}

TEST_F(ScaleOutTest, ALeaderWhoseLeaseWasTakenStepsDown) {
    auto client = MakeRedisClient(io_.ioc(), Options(prefix_));
    auto a = std::make_shared<RedisLeadership>(io_.ioc(), client, "a",
                                               std::chrono::milliseconds(600));
    a->Start();
    ASSERT_TRUE(WaitUntil([&] { return a->IsLeader(); }));
    ASSERT_TRUE(io_.Run(client->Command({"SET", prefix_ + "{leader}", "intruder", "PX", "5000"})));
    EXPECT_TRUE(WaitUntil([&] { return !a->IsLeader(); }));
    io_.Run(a->Stop());
}

// ---- Shared rate limits

TEST_F(ScaleOutTest, RateLimitCountsAreSharedByInstances) {
    auto one = MakeRedisRateLimiter(MakeRedisClient(io_.ioc(), Options(prefix_)));
    auto two = MakeRedisRateLimiter(MakeRedisClient(io_.ioc(), Options(prefix_)));
    const auto window = std::chrono::milliseconds(60'000);
    for (int i = 0; i < 3; ++i) {
        auto d = io_.Run((i % 2 ? one : two)->Hit("caller", 3, window));
        ASSERT_TRUE(d) << d.error().message;
        EXPECT_TRUE(d->allowed);
        EXPECT_EQ(d->remaining, 2 - i);
        EXPECT_GT(d->reset_seconds, 0);
        EXPECT_LE(d->reset_seconds, 60);
    }
    auto denied = io_.Run(one->Hit("caller", 3, window));
    ASSERT_TRUE(denied);
    EXPECT_FALSE(denied->allowed);
    auto other_caller = io_.Run(two->Hit("someone-else", 3, window));
    ASSERT_TRUE(other_caller);
    EXPECT_TRUE(other_caller->allowed);
}

// ---- Live events over pub/sub

TEST_F(ScaleOutTest, EventsReachOtherInstancesOnceAndLocalListenersAtOnce) {
    auto a = MakeRedisEventBus(io_.ioc(), MakeRedisClient(io_.ioc(), Options(prefix_)), "a");
    auto b = MakeRedisEventBus(io_.ioc(), MakeRedisClient(io_.ioc(), Options(prefix_)), "b");
    std::mutex mu;
    std::vector<std::string> at_a, at_b;
    a->Subscribe([&](const ports::LiveEvent& e) {
        std::lock_guard lock(mu);
        at_a.push_back(e.type + ":" + std::string(e.data.at("n").as_string()));
    });
    b->Subscribe([&](const ports::LiveEvent& e) {
        std::lock_guard lock(mu);
        at_b.push_back(e.type + ":" + std::string(e.data.at("n").as_string()));
    });
    // The subscriber connection may still be connecting: publish until B hears one.
    int n = 0;
    ASSERT_TRUE(WaitUntil([&] {
        a->Publish({"stats_changed", boost::json::object{{"n", std::to_string(n++)}}});
        std::lock_guard lock(mu);
        return !at_b.empty();
    }));
    a->Publish({"stage_created", boost::json::object{{"n", "last"}}});
    EXPECT_TRUE(WaitUntil([&] {
        std::lock_guard lock(mu);
        // Best effort and unordered: sends may take different connections.
        return std::find(at_b.begin(), at_b.end(), "stage_created:last") != at_b.end();
    }));
    std::lock_guard lock(mu);
    // A's listeners got every event exactly once (locally, not echoed back through Redis).
    EXPECT_EQ(at_a.size(), static_cast<std::size_t>(n + 1));
    EXPECT_EQ(std::set<std::string>(at_a.begin(), at_a.end()).size(), at_a.size());
    a->Stop();
    b->Stop();
}

// ---- Session outbox on a stream

// A history store that records what it is given and can be told to be down.
class RecordingHistory final : public ports::HistoryStore {
public:
    std::atomic<bool> down{false};
    std::atomic<int> attempts{0};

    std::map<std::string, int> Applied() {
        std::lock_guard lock(mu_);
        return applied_;
    }

    Async<void> Apply(ports::HistoryBatch batch) override {
        ++attempts;
        if (down) co_return Error(Errc::unavailable, "database down");
        std::lock_guard lock(mu_);
        for (const auto& e : batch.events) {
            ++applied_[e.session_id + (e.kind == ports::SessionEvent::Kind::started ? "+" : "-")];
        }
        co_return Ok();
    }
    Async<ports::HistoryPage> History(std::string, int, std::string) override { co_return ports::HistoryPage{}; }
    Async<ports::StageViewStats> StageStats(std::string, SystemTime) override { co_return ports::StageViewStats{}; }
    Async<void> InsertSnapshots(std::vector<ports::StatsSnapshot>) override { co_return Ok(); }
    Async<std::vector<ports::TimeseriesPoint>> Timeseries(ports::TimeseriesQuery) override {
        co_return std::vector<ports::TimeseriesPoint>{};
    }
    Async<std::int64_t> DeleteSnapshotsBefore(SystemTime, int) override { co_return std::int64_t{0}; }
    Async<std::int64_t> DeleteSessionsBefore(SystemTime, int) override { co_return std::int64_t{0}; }
    Async<std::int64_t> CloseOpenSessions(SystemTime, std::string) override { co_return std::int64_t{0}; }
    Async<void> Ping() override { co_return Ok(); }
    std::string_view Kind() const override { return "recording"; }
    ports::StorePoolState PoolState() const override { return {}; }
    asio::awaitable<Status> SaveStage(ports::ArchivedStage) override { co_return Ok(); }
    asio::awaitable<Status> MarkStageDeleted(std::string, SystemTime) override { co_return Ok(); }
    asio::awaitable<Result<std::vector<ports::ArchivedStage>>> LoadStages() override {
        co_return std::vector<ports::ArchivedStage>{};
    }

private:
    std::mutex mu_;
    std::map<std::string, int> applied_;
};

ports::SessionEvent Event(int n, ports::SessionEvent::Kind kind) {
    ports::SessionEvent e;
    e.kind = kind;
    e.session_id = "s" + std::to_string(n);
    e.user_id = "u" + std::to_string(n);
    e.stage_arn = "arn:aws:ivs:us-east-1:123456789012:stage/x";
    e.joined_at = FromUnixMillis(1'800'000'000'000 + n);
    e.left_at = e.joined_at + std::chrono::seconds(5);
    e.end_reason = "leave";
    return e;
}

SessionStreamOptions FastStream() {
    SessionStreamOptions o;
    o.poll_interval = std::chrono::milliseconds(20);
    o.batch_size = 50;
    o.claim_idle = std::chrono::milliseconds(300);
    return o;
}

TEST_F(ScaleOutTest, OutboxDeliversEveryEventAndKeepsThemThroughAnOutage) {
    auto client = MakeRedisClient(io_.ioc(), Options(prefix_));
    auto history = std::make_shared<RecordingHistory>();
    auto stream = MakeRedisSessionStream(io_.ioc(), client, "consumer-1", FastStream());
    stream->StartDrain(history, adapters::MakeLocalLeadership("consumer-1"));
    for (int i = 0; i < 120; ++i) {
        stream->Publish(Event(i, ports::SessionEvent::Kind::started));
        stream->Publish(Event(i, ports::SessionEvent::Kind::ended));
    }
    ASSERT_TRUE(WaitUntil([&] { return history->Applied().size() == 240u; }));

    // The database goes down: events wait in the stream, unacknowledged, and arrive after.
    history->down = true;
    const int before = history->attempts.load();
    for (int i = 1000; i < 1010; ++i) stream->Publish(Event(i, ports::SessionEvent::Kind::started));
    ASSERT_TRUE(WaitUntil([&] { return history->attempts.load() > before + 3; }));
    EXPECT_EQ(history->Applied().size(), 240u);
    history->down = false;
    ASSERT_TRUE(WaitUntil([&] { return history->Applied().size() == 250u; }));
    auto applied = history->Applied();
    for (const auto& [id, count] : applied) EXPECT_EQ(count, 1) << id;
    // Everything acknowledged: nothing left pending in the group.
    EXPECT_TRUE(WaitUntil([&] {
        auto r = io_.Run(client->Command({"XPENDING", prefix_ + "{outbox}", "history"}));
        return r && r->IsArray() && !r->elements.empty() && r->elements[0].AsInt() == 0;
    }));
    io_.Run(stream->Stop(std::chrono::seconds(1)));
}

TEST_F(ScaleOutTest, ADeadConsumersUnacknowledgedEntriesAreClaimed) {
    auto client = MakeRedisClient(io_.ioc(), Options(prefix_));
    // A consumer that read entries and died before acknowledging them.
    auto writer = MakeRedisSessionStream(io_.ioc(), client, "writer", FastStream());
    for (int i = 0; i < 5; ++i) writer->Publish(Event(i, ports::SessionEvent::Kind::started));
    io_.Run(writer->Stop(std::chrono::seconds(2)));
    const std::string key = prefix_ + "{outbox}";
    ASSERT_TRUE(io_.Run(client->Execute({"XGROUP", "CREATE", key, "history", "0", "MKSTREAM"})));
    auto read = io_.Run(client->Command(
        {"XREADGROUP", "GROUP", "history", "dead", "COUNT", "100", "STREAMS", key, ">"}));
    ASSERT_TRUE(read && read->IsArray());

    auto history = std::make_shared<RecordingHistory>();
    auto survivor = MakeRedisSessionStream(io_.ioc(), client, "survivor", FastStream());
    survivor->StartDrain(history, adapters::MakeLocalLeadership("survivor"));
    EXPECT_TRUE(WaitUntil([&] { return history->Applied().size() == 5u; }));
    io_.Run(survivor->Stop(std::chrono::seconds(1)));
}

TEST(ScaleOutPrivate, OutboxKeepsEventsWhileRedisIsDown) {
    test::PrivateRedis server;
    IoThreads io;
    RedisOptions o;
    o.port = server.port();
    o.command_timeout = std::chrono::milliseconds(300);
    o.connect_timeout = std::chrono::milliseconds(300);
    o.max_backoff = std::chrono::milliseconds(100);
    auto client = MakeRedisClient(io.ioc(), o);
    auto history = std::make_shared<RecordingHistory>();
    auto stream = MakeRedisSessionStream(io.ioc(), client, "c", FastStream());
    stream->StartDrain(history, adapters::MakeLocalLeadership("c"));
    stream->Publish(Event(1, ports::SessionEvent::Kind::started));
    ASSERT_TRUE(WaitUntil([&] { return history->Applied().size() == 1u; }));

    server.Stop();
    ASSERT_TRUE(WaitUntil([&] { return !static_cast<bool>(io.Run(client->Command({"PING"}))); }));
    stream->Publish(Event(1, ports::SessionEvent::Kind::ended));
    stream->Publish(Event(2, ports::SessionEvent::Kind::started));
    EXPECT_GE(stream->QueuedLocally(), 1u);
    ASSERT_TRUE(server.Start());
    EXPECT_TRUE(WaitUntil([&] { return history->Applied().size() == 3u; }));
    io.Run(stream->Stop(std::chrono::seconds(1)));
}

}  // namespace
}  // namespace ivs::adapters::redis
