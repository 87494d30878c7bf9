#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <mutex>
#include <thread>

#include "adapters/hot_store/memory/memory_hot_store.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "domain/audience/audience_service.hpp"
#include "domain/audience/session_sweeper.hpp"
#include "domain/audience/session_token.hpp"

namespace ivs::audience {
namespace {

template <class T>
T Await(boost::asio::awaitable<T> op) {
    boost::asio::io_context ioc;
    auto f = boost::asio::co_spawn(ioc, std::move(op), boost::asio::use_future);
    ioc.run();
    return f.get();
}

class FakeSigner final : public ports::TokenSigner {
public:
    explicit FakeSigner(const Clock& clock) : clock_(clock) {}
    boost::asio::awaitable<Result<ports::ParticipantToken>> Issue(
        ports::CreateTokenRequest r) override {
        if (fail) co_return Error(Errc::unavailable, "IVS is down");
        if (!missing_stage.empty() && r.stage_arn == missing_stage) {
            co_return Error(Errc::not_found, "Stage not found");
        }
        std::lock_guard lock(mu);
        requests.push_back(r);
        ports::ParticipantToken t;
        t.token = std::string("tok-").append(std::to_string(requests.size()));
        t.participant_id = std::string("part").append(std::to_string(requests.size()));
        t.user_id = r.user_id;
        t.duration_minutes = r.duration_minutes;
        t.expiration_time = clock_.Now() + std::chrono::minutes(r.duration_minutes);
        co_return t;
    }
    std::string_view Kind() const override { return "fake"; }

    const Clock& clock_;
    std::atomic<bool> fail{false};
    std::string missing_stage;  // IVS does not know this stage
    std::mutex mu;
    std::vector<ports::CreateTokenRequest> requests;
};

class RecordingSink final : public ports::SessionEventSink {
public:
    void Publish(ports::SessionEvent e) override {
        std::lock_guard lock(mu);
        events.push_back(std::move(e));
    }
    std::vector<ports::SessionEvent> Events() {
        std::lock_guard lock(mu);
        return events;
    }
    std::mutex mu;
    std::vector<ports::SessionEvent> events;
};

const std::string kMaster = "arn:aws:ivs:us-east-1:123456789012:stage/master1";
const std::string kSecond = "arn:aws:ivs:us-east-1:123456789012:stage/second2";

class AudienceServiceTest : public ::testing::Test {
protected:
    void SetUp() override { Build(); }

    void Build() {
        store = adapters::MakeMemoryHotStore(clock);
        signer = std::make_shared<FakeSigner>(clock);
        sink = std::make_shared<RecordingSink>();
        codec = std::make_shared<SessionTokenCodec>("secret", clock, std::chrono::minutes(61));
        AudienceDeps deps;
        deps.hot_store = store;
        deps.token_signer = signer;
        deps.session_events = sink;
        deps.session_tokens = codec;
        deps.clock = &clock;
        deps.autoscale_trigger = [this] {
            if (trigger && *trigger) (*trigger)();
        };
        // The hook each test installs; without one, the join's own outcome stands.
        deps.stage_lost = [this](std::string arn) -> boost::asio::awaitable<Status> {
            if (!stage_lost || !*stage_lost) co_return Error(Errc::unavailable, "no hook");
            co_return co_await (*stage_lost)(std::move(arn));
        };
        options.seat_wait_seconds = 0;
        service = std::make_shared<AudienceService>(options, std::move(deps));
        AddStage(kMaster, true);
        ports::PublisherState live;
        live.live = true;
        ASSERT_TRUE(Await(store->SetPublisher(live)));
    }
    void AddStage(const std::string& arn, bool master = false) {
        ports::StageRecord s;
        s.arn = arn;
        s.name = "s";
        s.is_master = master;
        s.created_at = clock.Now();
        ASSERT_TRUE(Await(store->UpsertStage(s)));
    }

    ManualClock clock{FromUnixMillis(1'800'000'000'000)};
    AudienceOptions options;
    std::shared_ptr<ports::HotStore> store;
    std::shared_ptr<FakeSigner> signer;
    std::shared_ptr<RecordingSink> sink;
    std::shared_ptr<SessionTokenCodec> codec;
    std::shared_ptr<std::function<void()>> trigger;
    std::shared_ptr<AudienceDeps::StageLostHook> stage_lost;
    std::shared_ptr<AudienceService> service;
};

TEST_F(AudienceServiceTest, ViewerTokenSeatsAndIssuesARealOneHourToken) {
    auto join = Await(service->JoinAsViewer("alice", "", {"ua", "1.2.3.4"}));
    ASSERT_TRUE(join.has_value()) << join.error().message;
    EXPECT_EQ(join->token.user_id, "viewer-alice");
    EXPECT_EQ(join->token.stage_arn, kMaster);
    EXPECT_EQ(join->token.expires_in_seconds, 3600);
    EXPECT_TRUE(join->is_new_viewer);
    EXPECT_EQ(join->current_viewers, 1);
    ASSERT_EQ(signer->requests.size(), 1u);
    EXPECT_EQ(signer->requests[0].duration_minutes, 60);
    EXPECT_EQ(signer->requests[0].attributes.at("role"), "viewer");
    EXPECT_TRUE(signer->requests[0].attributes.count("timestamp"));
    ASSERT_EQ(signer->requests[0].capabilities.size(), 1u);
    EXPECT_EQ(signer->requests[0].capabilities[0], ports::Capability::subscribe);
    auto ticket = codec->Verify(join->session_token);
    ASSERT_TRUE(ticket.has_value());
    EXPECT_EQ(ticket->user_id, "alice");
    EXPECT_EQ(ticket->stage_arn, kMaster);
    EXPECT_EQ(ticket->session_id, join->session.session_id);
    auto events = sink->Events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, ports::SessionEvent::Kind::started);
    EXPECT_EQ(events[0].participant_id, join->token.participant_id);
    EXPECT_EQ(events[0].user_agent, "ua");
    EXPECT_EQ(events[0].ip_address, "1.2.3.4");
}

TEST_F(AudienceServiceTest, AJoinSeatedOnAStageIvsNoLongerHasIsSeatedElsewhere) {
    AddStage(kSecond);
    // Only the second stage takes viewers, and IVS has lost it.
    ASSERT_TRUE(Await(store->SetStageState(kMaster, ports::StageState::draining, clock.Now())));
    signer->missing_stage = kSecond;
    std::vector<std::string> dropped;
    stage_lost = std::make_shared<AudienceDeps::StageLostHook>(
        [this, &dropped](std::string arn) -> boost::asio::awaitable<Status> {
            dropped.push_back(arn);
            auto removed = co_await store->RemoveStage(arn, clock.Now(), clock.Now());
            if (!removed) co_return removed.error();
            co_return co_await store->SetStageState(kMaster, ports::StageState::active,
                                                    std::nullopt);
        });
    auto join = Await(service->JoinAsViewer("alice", "", {}));
    ASSERT_TRUE(join.has_value()) << join.error().message;
    EXPECT_EQ(join->token.stage_arn, kMaster);
    ASSERT_EQ(dropped, std::vector<std::string>{kSecond});
    // One session, one start: the seat on the lost stage never became a session.
    auto events = sink->Events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, ports::SessionEvent::Kind::started);
    EXPECT_EQ(events[0].stage_arn, kMaster);
}

TEST_F(AudienceServiceTest, RepeatedJoinKeepsTheSessionAndEmitsNothing) {
    auto first = Await(service->JoinAsViewer("alice", "", {}));
    ASSERT_TRUE(first.has_value());
    clock.Advance(std::chrono::seconds(20));
    auto second = Await(service->JoinAsViewer("alice", "", {}));
    ASSERT_TRUE(second.has_value());
    EXPECT_FALSE(second->is_new_viewer);
    EXPECT_EQ(second->session.session_id, first->session.session_id);
    EXPECT_EQ(second->session.joined_at, first->session.joined_at);
    EXPECT_NE(second->token.token, first->token.token);
    EXPECT_EQ(sink->Events().size(), 1u);
}

TEST_F(AudienceServiceTest, MovingEndsTheOldSessionOnce) {
    AddStage(kSecond);
    auto first = Await(service->JoinAsViewer("alice", kMaster, {}));
    ASSERT_TRUE(first.has_value());
    clock.Advance(std::chrono::seconds(5));
    auto moved = Await(service->JoinAsViewer("alice", kSecond, {}));
    ASSERT_TRUE(moved.has_value());
    EXPECT_TRUE(moved->is_new_viewer);
    auto events = sink->Events();
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[1].kind, ports::SessionEvent::Kind::ended);
    EXPECT_EQ(events[1].session_id, first->session.session_id);
    EXPECT_EQ(events[1].end_reason, "moved");
    EXPECT_EQ(events[1].left_at, clock.Now());
    EXPECT_EQ(events[2].kind, ports::SessionEvent::Kind::started);
    EXPECT_EQ(events[2].stage_arn, kSecond);
}

TEST_F(AudienceServiceTest, LeaveAndTimeoutEndWithTheRightTimes) {
    auto a = Await(service->JoinAsViewer("a", "", {}));
    auto b = Await(service->JoinAsViewer("b", "", {}));
    ASSERT_TRUE(a && b);
    clock.Advance(std::chrono::seconds(30));
    ASSERT_TRUE(Await(service->Heartbeat("b", kMaster, "")).has_value());
    const SystemTime last_b = clock.Now();
    clock.Advance(std::chrono::seconds(10));
    auto left = Await(service->Leave("a", kMaster, a->session.session_id));
    ASSERT_TRUE(left.has_value() && left->has_value());
    clock.Advance(std::chrono::seconds(61));
    auto swept = Await(service->SweepExpired());
    ASSERT_TRUE(swept.has_value());
    EXPECT_EQ(*swept, 1u);
    auto events = sink->Events();
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[2].end_reason, "leave");
    EXPECT_EQ(events[2].left_at, FromUnixMillis(1'800'000'000'000) + std::chrono::seconds(40));
    EXPECT_EQ(events[3].end_reason, "timeout");
    EXPECT_EQ(events[3].left_at, last_b);
    EXPECT_EQ(*Await(service->SweepExpired()), 0u);
    EXPECT_EQ(sink->Events().size(), 4u);
}

TEST_F(AudienceServiceTest, FailedTokenGivesTheSeatBack) {
    signer->fail = true;
    auto join = Await(service->JoinAsViewer("alice", "", {}));
    ASSERT_FALSE(join.has_value());
    EXPECT_EQ(join.error().code, Errc::token_generation_failed);
    EXPECT_TRUE(sink->Events().empty());
    auto stage = Await(store->GetStage(kMaster, clock.Now() - std::chrono::seconds(60)));
    EXPECT_EQ(stage->viewers, 0);
}

TEST_F(AudienceServiceTest, PublisherMustBeLive) {
    ports::PublisherState off;
    off.live = false;
    ASSERT_TRUE(Await(store->SetPublisher(off)));
    auto join = Await(service->JoinAsViewer("alice", "", {}));
    ASSERT_FALSE(join.has_value());
    EXPECT_EQ(join.error().code, Errc::not_found);
}

TEST_F(AudienceServiceTest, FullStagesAreStageFullWithRetryAfterAndTriggerTheAutoscaler) {
    int triggered = 0;
    trigger = std::make_shared<std::function<void()>>([&] { ++triggered; });
    options.stage_capacity = 2;
    options.scale_up_threshold = 2;
    Build();
    trigger = std::make_shared<std::function<void()>>([&] { ++triggered; });
    ASSERT_TRUE(Await(service->JoinAsViewer("a", "", {})).has_value());
    EXPECT_EQ(triggered, 0);
    ASSERT_TRUE(Await(service->JoinAsViewer("b", "", {})).has_value());
    EXPECT_EQ(triggered, 1);  // reached the threshold
    auto full = Await(service->JoinAsViewer("c", "", {}));
    ASSERT_FALSE(full.has_value());
    EXPECT_EQ(full.error().code, Errc::stage_full);
    EXPECT_GT(full.error().retry_after_seconds, 0);
    EXPECT_GE(triggered, 2);
}

TEST_F(AudienceServiceTest, PublisherAndMediaServerTokens) {
    auto pub = Await(service->IssuePublisherToken("alice"));
    ASSERT_TRUE(pub.has_value()) << pub.error().message;
    EXPECT_EQ(pub->token.stage_arn, kMaster);
    EXPECT_EQ(pub->token.user_id, "broadcaster-alice");
    EXPECT_EQ(pub->token.expires_in_seconds, 240 * 60);
    EXPECT_FALSE(pub->whip_endpoint.empty());
    ASSERT_EQ(pub->token.capabilities.size(), 1u);
    EXPECT_EQ(pub->token.capabilities[0], ports::Capability::publish);
    auto media = Await(service->IssueMediaServerToken("relay1", kSecond));
    ASSERT_TRUE(media.has_value());
    EXPECT_EQ(media->user_id, "media-server-relay1");
    EXPECT_EQ(media->capabilities.size(), 2u);
    EXPECT_EQ(signer->requests.back().attributes.at("serverId"), "relay1");
}

TEST_F(AudienceServiceTest, RejoinKeepsJoinedAtAndChecksTheStage) {
    auto first = Await(service->RejoinStage("u", kMaster, "p1", {}));
    ASSERT_TRUE(first.has_value());
    EXPECT_TRUE(first->is_new_viewer);
    clock.Advance(std::chrono::seconds(10));
    auto again = Await(service->RejoinStage("u", kMaster, "p1", {}));
    ASSERT_TRUE(again.has_value());
    EXPECT_FALSE(again->is_new_viewer);
    EXPECT_EQ(again->session.joined_at, first->session.joined_at);
    auto unknown = Await(service->RejoinStage("u", kSecond, "p1", {}));
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, Errc::not_found);
    auto d = Await(service->WatchDurationSeconds("u", kMaster));
    EXPECT_EQ(*d, 10);
}

TEST(SessionTokenTest, RoundTripTamperAndExpiry) {
    ManualClock clock;
    SessionTokenCodec codec("k1", clock, std::chrono::seconds(120));
    auto token = codec.Issue("sid", "user", kMaster);
    auto ok = codec.Verify(token);
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->session_id, "sid");
    EXPECT_EQ(ok->user_id, "user");
    EXPECT_EQ(ok->stage_arn, kMaster);
    std::string tampered = token;
    tampered[3] = tampered[3] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(codec.Verify(tampered).has_value());
    EXPECT_FALSE(codec.Verify("garbage").has_value());
    EXPECT_FALSE(codec.Verify("").has_value());
    SessionTokenCodec other("k2", clock, std::chrono::seconds(120));
    EXPECT_FALSE(other.Verify(token).has_value());
    clock.Advance(std::chrono::seconds(121));
    EXPECT_FALSE(codec.Verify(token).has_value());
}

TEST(AudienceValidationTest, UserIdsAndArns) {
    EXPECT_TRUE(IsValidUserId("a"));
    EXPECT_TRUE(IsValidUserId("user.name_1:x@y-z"));
    EXPECT_TRUE(IsValidUserId(std::string(128, 'a')));
    EXPECT_FALSE(IsValidUserId(""));
    EXPECT_FALSE(IsValidUserId(std::string(129, 'a')));
    EXPECT_FALSE(IsValidUserId("has space"));
    EXPECT_FALSE(IsValidUserId("slash/"));
    EXPECT_TRUE(IsStageArn(kMaster));
    EXPECT_TRUE(IsStageArn("arn:aws:ivs:ap-northeast-1:000000000000:stage/AbC-123"));
    EXPECT_FALSE(IsStageArn("arn:aws:ivs:us-east-1:123456789012:channel/abc"));
    EXPECT_FALSE(IsStageArn("arn:aws:s3:us-east-1:123456789012:stage/abc"));
    EXPECT_FALSE(IsStageArn("arn:aws:ivs:us-east-1:12x:stage/abc"));
    EXPECT_FALSE(IsStageArn("arn:aws:ivs:us-east-1:123456789012:stage/"));
    EXPECT_FALSE(IsStageArn("arn:aws:ivs:us-east-1:123456789012:stage/a_b"));
    EXPECT_FALSE(IsStageArn("stage/abc"));
}

TEST(SessionSweeperTest, IntervalEndsSessionsWellWithinTenSeconds) {
    EXPECT_EQ(SessionSweeper::IntervalFor(60), std::chrono::milliseconds(5000));
    EXPECT_EQ(SessionSweeper::IntervalFor(3), std::chrono::milliseconds(1500));
    EXPECT_EQ(SessionSweeper::IntervalFor(0), std::chrono::milliseconds(500));
}

}  // namespace
}  // namespace ivs::audience
