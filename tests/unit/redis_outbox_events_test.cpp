// The Redis hot store appends every session start and end to the outbox stream in the script
// that makes the change, so a stalled Redis that runs a script after its caller gave up still
// records what the script did, and a seat that runs too late does nothing at all.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "adapters/redis/redis_client.hpp"
#include "adapters/redis/redis_hot_store.hpp"
#include "core/random.hpp"
#include "core/time_format.hpp"
#include "ports/session_events.hpp"
#include "redis_test_util.hpp"

namespace ivs::adapters::redis {
namespace {

using test::IoThreads;
using test::PrivateRedis;
using test::WaitUntil;
namespace json = boost::json;

struct OutboxEvent {
    std::string kind, session_id, user_id, stage, participant, reason, user_agent, ip;
    std::int64_t left = 0;
};

SystemTime At(int seconds) { return FromUnixMillis(1'700'000'000'000LL + seconds * 1000LL); }
std::int64_t Ms(int seconds) { return ToUnixMillis(At(seconds)); }
constexpr auto kTimeout = std::chrono::seconds(60);

class OutboxEventsTest : public ::testing::Test {
protected:
    void Connect(RedisOptions o) {
        o.key_prefix = "outbox-test:" + RandomAlnum(8) + ":";
        client_ = MakeRedisClient(io_.ioc(), o);
        store_ = MakeRedisHotStore(client_);
        ASSERT_TRUE(client_->WaitConnected(std::chrono::seconds(5)));
    }
    void ConnectHarness() {
        RedisOptions o;
        o.host = test::HarnessEnv("IVS_TEST_REDIS_HOST").value_or("127.0.0.1");
        o.port = std::stoi(test::HarnessEnv("IVS_TEST_REDIS_PORT").value_or("6379"));
        o.db = 7;
        Connect(o);
    }
    void AddStage(const std::string& arn) {
        ports::StageRecord r;
        r.arn = arn;
        r.name = arn;
        r.created_at = At(0);
        ASSERT_TRUE(io_.Run(store_->UpsertStage(r)));
    }
    ports::SeatRequest Request(const std::string& user, const std::string& stage, int at) {
        ports::SeatRequest rq;
        rq.user_id = user;
        rq.requested_stage = stage;
        rq.new_session_id = "sid-" + user + "-" + std::to_string(at);
        rq.participant_id = "pid-" + user;
        rq.now = At(at);
        rq.cutoff = At(at) - kTimeout;
        rq.user_agent = "agent/1";
        rq.ip_address = "192.0.2.7";
        return rq;
    }
    Result<ports::SeatResult> Seat(ports::SeatRequest rq) { return io_.Run(store_->Seat(rq)); }

    std::vector<OutboxEvent> Events() {
        auto r = io_.Run(client_->Command({"XRANGE", client_->KeyPrefix() + "{outbox}", "-", "+"}));
        std::vector<OutboxEvent> out;
        if (!r) return out;
        for (const auto& entry : r->elements) {
            if (entry.elements.size() < 2 || entry.elements[1].elements.size() < 2) continue;
            auto v = json::parse(entry.elements[1].elements[1].str).as_object();
            auto str = [&](const char* k) {
                auto* f = v.if_contains(k);
                return f && f->is_string() ? std::string(f->as_string()) : std::string();
            };
            auto* left = v.if_contains("left");
            out.push_back({str("k"), str("sid"), str("uid"), str("stage"), str("pid"),
                           str("reason"), str("ua"), str("ip"),
                           left && left->is_number() ? left->to_number<std::int64_t>() : 0});
        }
        return out;
    }

    IoThreads io_;
    std::shared_ptr<RedisClient> client_;
    std::shared_ptr<ports::HotStore> store_;
};

TEST_F(OutboxEventsTest, EverySessionStartAndEndIsAppendedByTheScriptThatMakesIt) {
    IVS_REQUIRE_HARNESS("IVS_TEST_REDIS_PORT");
    ConnectHarness();
    EXPECT_TRUE(store_->RecordsSessionEvents());
    AddStage("a");
    AddStage("b");
    ASSERT_TRUE(Seat(Request("left", "a", 0)));
    ASSERT_TRUE(Seat(Request("silent", "a", 0)));
    ASSERT_TRUE(Seat(Request("mover", "a", 0)));
    ASSERT_TRUE(Seat(Request("mover", "b", 5)));  // ends the session in a, starts one in b
    auto again = Seat(Request("left", "a", 8));   // the same live session continues: no event
    ASSERT_TRUE(again);
    EXPECT_EQ(again->outcome, ports::SeatResult::Outcome::kept);
    ASSERT_TRUE(io_.Run(store_->Leave("left", "a", "", At(10), At(10) - kTimeout)));
    ASSERT_TRUE(io_.Run(store_->Heartbeat("mover", "b", "", At(30), At(30) - kTimeout)));
    auto expired = io_.Run(store_->ExpireSessions(At(61) - kTimeout + std::chrono::seconds(1), 10));
    ASSERT_TRUE(expired);
    ASSERT_EQ(expired->size(), 1u);  // "silent", last heard of at 0
    auto removed = io_.Run(store_->RemoveStage("b", At(40), At(40) - kTimeout));
    ASSERT_TRUE(removed);
    ASSERT_EQ(removed->size(), 1u);

    auto events = Events();
    ASSERT_EQ(events.size(), 8u);
    auto find = [&](const std::string& kind, const std::string& sid) -> const OutboxEvent* {
        for (const auto& e : events) {
            if (e.kind == kind && e.session_id == sid) return &e;
        }
        return nullptr;
    };
    const auto* started = find("started", "sid-left-0");
    ASSERT_NE(started, nullptr);
    EXPECT_EQ(started->user_id, "left");
    EXPECT_EQ(started->stage, "a");
    EXPECT_EQ(started->participant, "pid-left");
    EXPECT_EQ(started->user_agent, "agent/1");
    EXPECT_EQ(started->ip, "192.0.2.7");
    const auto* left = find("ended", "sid-left-0");
    ASSERT_NE(left, nullptr);
    EXPECT_EQ(left->reason, "leave");
    EXPECT_EQ(left->left, Ms(10));
    const auto* silent = find("ended", "sid-silent-0");
    ASSERT_NE(silent, nullptr);
    EXPECT_EQ(silent->reason, "timeout");
    EXPECT_EQ(silent->left, Ms(0));
    const auto* moved = find("ended", "sid-mover-0");
    ASSERT_NE(moved, nullptr);
    EXPECT_EQ(moved->reason, "moved");
    EXPECT_EQ(moved->left, Ms(5));
    ASSERT_NE(find("started", "sid-mover-5"), nullptr);
    const auto* deleted = find("ended", "sid-mover-5");
    ASSERT_NE(deleted, nullptr);
    EXPECT_EQ(deleted->reason, "stage_deleted");
    EXPECT_EQ(deleted->left, Ms(40));
}

TEST_F(OutboxEventsTest, ADeferredStartIsRecordedWithItsParticipantAndOnlyThen) {
    IVS_REQUIRE_HARNESS("IVS_TEST_REDIS_PORT");
    ConnectHarness();
    AddStage("a");
    auto rq = Request("u", "a", 0);
    rq.participant_id.clear();
    rq.defer_start = true;
    auto seat = Seat(rq);
    ASSERT_TRUE(seat);
    EXPECT_TRUE(Events().empty());
    // Given back before a token existed: nothing to record.
    ASSERT_TRUE(io_.Run(store_->Leave("u", "a", seat->session.session_id, At(1), At(1) - kTimeout)));
    EXPECT_TRUE(Events().empty());

    rq.new_session_id = "second";
    ASSERT_TRUE(Seat(rq));
    ASSERT_TRUE(io_.Run(store_->SetParticipant("u", "second", "from-ivs", "agent/2", "198.51.100.1")));
    ASSERT_TRUE(io_.Run(store_->Leave("u", "a", "second", At(3), At(3) - kTimeout)));
    auto events = Events();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, "started");
    EXPECT_EQ(events[0].participant, "from-ivs");
    EXPECT_EQ(events[0].user_agent, "agent/2");
    EXPECT_EQ(events[1].kind, "ended");
    EXPECT_EQ(events[1].reason, "leave");
}

TEST_F(OutboxEventsTest, ASeatGivenBackCancelsItsRecordedStart) {
    IVS_REQUIRE_HARNESS("IVS_TEST_REDIS_PORT");
    ConnectHarness();
    AddStage("a");
    auto seat = Seat(Request("u", "a", 0));
    ASSERT_TRUE(seat);
    ASSERT_TRUE(io_.Run(store_->GiveBack("u", "a", seat->session.session_id)));
    auto events = Events();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].kind, "ended");
    EXPECT_EQ(events[1].reason, ports::kCancelled);
    EXPECT_EQ(events[1].session_id, seat->session.session_id);
    auto session = io_.Run(store_->GetSession("u", At(0) - kTimeout));
    ASSERT_TRUE(session);
    EXPECT_FALSE(session->has_value());
}

RedisOptions StallOptions(int port) {
    RedisOptions o;
    o.port = port;
    o.connections = 1;
    o.command_timeout = std::chrono::milliseconds(300);
    o.connect_timeout = std::chrono::milliseconds(300);
    o.max_backoff = std::chrono::milliseconds(100);
    return o;
}


TEST_F(OutboxEventsTest, ASeatThatRunsAfterItsCallerGaveUpSeatsNobody) {
    PrivateRedis server;
    Connect(StallOptions(server.port()));
    AddStage("a");
    ASSERT_TRUE(Seat(Request("warm", "a", 0)));  // the script is cached: EVALSHA will run it
    // Redis stops while the seat is on its way; it resumes after the call gave up.
    ASSERT_TRUE(server.Signal(SIGSTOP));
    auto seat = Seat(Request("late", "a", 0));
    ASSERT_TRUE(server.Signal(SIGCONT));
    ASSERT_FALSE(seat);
    // Once Redis serves again, the queued script has run, too late to change anything.
    std::optional<ports::ViewerSession> session;
    ASSERT_TRUE(WaitUntil([&] {
        auto s = io_.Run(store_->GetSession("late", At(0) - kTimeout));
        if (!s) return false;
        session = *s;
        return true;
    }));
    EXPECT_FALSE(session.has_value());
    auto events = Events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].user_id, "warm");
    auto stage = io_.Run(store_->GetStage("a", At(0) - kTimeout));
    ASSERT_TRUE(stage);
    EXPECT_EQ(stage->viewers, 1);
}

TEST_F(OutboxEventsTest, AnExpiryThatRunsAfterItsCallerGaveUpStillRecordsTheEnds) {
    PrivateRedis server;
    Connect(StallOptions(server.port()));
    AddStage("a");
    ASSERT_TRUE(Seat(Request("u", "a", 0)));
    ASSERT_TRUE(io_.Run(store_->ExpireSessions(At(0) - kTimeout, 10)));  // caches the script
    ASSERT_TRUE(server.Signal(SIGSTOP));
    auto expired = io_.Run(store_->ExpireSessions(At(100) - kTimeout, 10));
    ASSERT_TRUE(server.Signal(SIGCONT));
    ASSERT_FALSE(expired);  // the caller gave up; the script still runs when Redis resumes
    std::vector<OutboxEvent> events;
    ASSERT_TRUE(WaitUntil([&] {
        events = Events();
        return events.size() >= 2;
    }));
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].kind, "ended");
    EXPECT_EQ(events[1].reason, "timeout");
    EXPECT_EQ(events[1].session_id, "sid-u-0");
    auto session = io_.Run(store_->GetSession("u", At(0) - kTimeout));
    ASSERT_TRUE(session);
    EXPECT_FALSE(session->has_value());
}

}  // namespace
}  // namespace ivs::adapters::redis
