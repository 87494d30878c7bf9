#pragma once

// The behaviour every ports::HotStore adapter must show (memory, Redis). Instantiate it once
// per adapter:
//
//   INSTANTIATE_TEST_SUITE_P(Memory, HotStoreContract,
//       ::testing::Values(ivs::test::HotStoreFactory{"memory", [] { return MakeStore(); }}),
//       ivs::test::HotStoreFactoryName);
//
// The factory must return an empty store each time (fresh key prefix in Redis), or nullptr when
// the backing service is missing (the test then skips, or fails under the harness). Times are
// whole milliseconds so adapters storing milliseconds compare equal.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <future>
#include <mutex>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ports/hot_store.hpp"
#include "test_support.hpp"

namespace ivs::test {

struct HotStoreFactory {
    std::string name;
    std::function<std::shared_ptr<ports::HotStore>()> make;
};

inline std::ostream& operator<<(std::ostream& os, const HotStoreFactory& f) {
    return os << f.name;
}

inline std::string HotStoreFactoryName(const ::testing::TestParamInfo<HotStoreFactory>& info) {
    return info.param.name;
}

// Runs one awaitable to completion on a private io_context (callable from any thread).
// prefix + number, appended (sidesteps a GCC 12 -Wrestrict false positive on "x" + to_string).
inline std::string Numbered(std::string prefix, long long n) {
    prefix.append(std::to_string(n));
    return prefix;
}

template <class T>
T AwaitHot(boost::asio::awaitable<T> op) {
    boost::asio::io_context ioc;
    auto future = boost::asio::co_spawn(ioc, std::move(op), boost::asio::use_future);
    ioc.run();
    return future.get();
}

class HotStoreContract : public ::testing::TestWithParam<HotStoreFactory> {
protected:
    using Outcome = ports::SeatResult::Outcome;
    static constexpr std::chrono::seconds kTimeout{60};

    void SetUp() override {
        store_ = GetParam().make();
        if (!store_) {
            if (ServicesRequired()) FAIL() << GetParam().name << " store is not available";
            GTEST_SKIP() << GetParam().name << " store is not available";
        }
    }

    static SystemTime At(double seconds) {
        return FromUnixMillis(1'800'000'000'000 + static_cast<std::int64_t>(seconds * 1000));
    }
    static std::string Arn(const std::string& id) {
        return "arn:aws:ivs:us-east-1:123456789012:stage/" + id;
    }
    static std::string SessionId(int n) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%032x", n);
        return buf;
    }

    ports::StageRecord MakeStage(const std::string& id, bool master = false) {
        ports::StageRecord s;
        s.arn = Arn(id);
        s.name = "stage-" + id;
        s.is_master = master;
        s.auto_scaled = !master;
        s.created_at = At(0);
        return s;
    }
    void AddStage(const std::string& id, bool master = false) {
        ASSERT_TRUE(AwaitHot(store_->UpsertStage(MakeStage(id, master))).has_value());
    }

    ports::SeatRequest Request(const std::string& user, const std::string& stage_id, double now,
                               int capacity = 50, int threshold = 45) {
        ports::SeatRequest r;
        r.user_id = user;
        r.requested_stage = stage_id.empty() ? std::string() : Arn(stage_id);
        r.new_session_id = SessionId(++session_counter_);
        r.participant_id = Numbered("p", session_counter_);
        r.now = At(now);
        r.cutoff = At(now) - kTimeout;
        r.capacity = capacity;
        r.scale_up_threshold = threshold;
        return r;
    }
    Result<ports::SeatResult> Seat(const std::string& user, const std::string& stage_id,
                                   double now, int capacity = 50, int threshold = 45) {
        return AwaitHot(store_->Seat(Request(user, stage_id, now, capacity, threshold)));
    }
    int Viewers(const std::string& stage_id, double now) {
        auto r = AwaitHot(store_->GetStage(Arn(stage_id), At(now) - kTimeout));
        EXPECT_TRUE(r.has_value());
        return r ? r->viewers : -1;
    }
    std::optional<ports::ViewerSession> Session(const std::string& user, double now) {
        auto r = AwaitHot(store_->GetSession(user, At(now) - kTimeout));
        EXPECT_TRUE(r.has_value());
        return r ? *r : std::nullopt;
    }
    // Fills `stage_id` with `n` users named prefix0..prefix(n-1) at time `now`.
    void Fill(const std::string& stage_id, int n, const std::string& prefix, double now = 0) {
        for (int i = 0; i < n; ++i) {
            auto r = Seat(Numbered(prefix, i), stage_id, now, 1000, 1000);
            ASSERT_TRUE(r.has_value()) << r.error().message;
        }
    }

    std::shared_ptr<ports::HotStore> store_;
    int session_counter_ = 0;
};

// ---- Seating choice

TEST_P(HotStoreContract, SeatsInTheLeastLoadedStageBelowThreshold) {
    AddStage("a");
    AddStage("b");
    AddStage("c");
    Fill("a", 3, "ua");
    Fill("b", 1, "ub");
    Fill("c", 2, "uc");
    auto r = Seat("new", "", 1, 10, 5);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->outcome, Outcome::seated);
    EXPECT_EQ(r->session.stage_arn, Arn("b"));
    EXPECT_EQ(r->session.user_id, "new");
    EXPECT_EQ(r->session.joined_at, At(1));
    EXPECT_EQ(r->session.last_heartbeat, At(1));
    EXPECT_EQ(r->stage_viewers, 2);
    EXPECT_FALSE(r->ended.has_value());
    EXPECT_EQ(Viewers("b", 1), 2);
}

TEST_P(HotStoreContract, AboveThresholdEverywhereTakesAnyStageBelowCapacity) {
    AddStage("a");
    AddStage("b");
    Fill("a", 4, "ua");  // at capacity
    Fill("b", 3, "ub");  // above threshold, below capacity
    auto r = Seat("new", "", 1, 4, 2);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->session.stage_arn, Arn("b"));
    EXPECT_EQ(r->stage_viewers, 4);
    auto full = Seat("another", "", 1, 4, 2);
    ASSERT_FALSE(full.has_value());
    EXPECT_EQ(full.error().code, Errc::stage_full);
}

TEST_P(HotStoreContract, PrefersAStageBelowThresholdOverALessFullOneAbove) {
    AddStage("a");
    AddStage("b");
    Fill("a", 4, "ua");
    Fill("b", 2, "ub");
    // threshold 5: both below; least loaded is b.
    auto r = Seat("x", "", 1, 10, 5);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->session.stage_arn, Arn("b"));
}

TEST_P(HotStoreContract, NoStagesMeansStageFull) {
    auto r = Seat("u", "", 0);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::stage_full);
}

TEST_P(HotStoreContract, DrainingStagesGetNoNewSeats) {
    AddStage("a");
    AddStage("b");
    Fill("b", 3, "ub");
    ASSERT_TRUE(AwaitHot(store_->SetStageState(Arn("a"), ports::StageState::draining, At(0))));
    for (int i = 0; i < 5; ++i) {
        auto r = Seat(Numbered("n", i), "", 1, 10, 8);
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(r->session.stage_arn, Arn("b"));
    }
    auto requested = Seat("m", "a", 1);
    ASSERT_FALSE(requested.has_value());
    EXPECT_EQ(requested.error().code, Errc::stage_full);
    // The refusal names the stage that was asked for, and says why.
    EXPECT_NE(requested.error().message.find(Arn("a")), std::string::npos)
        << requested.error().message;
    EXPECT_NE(requested.error().message.find("draining"), std::string::npos)
        << requested.error().message;
    EXPECT_EQ(Viewers("a", 1), 0);

    ASSERT_TRUE(AwaitHot(store_->SetStageState(Arn("a"), ports::StageState::draining, At(0))));
    ASSERT_TRUE(AwaitHot(store_->UpsertStage(MakeStage("c"))));
    ASSERT_TRUE(AwaitHot(store_->SetStageState(Arn("b"), ports::StageState::draining, At(0))));
    ASSERT_TRUE(AwaitHot(store_->SetStageState(Arn("c"), ports::StageState::draining, At(0))));
    auto none = Seat("z", "", 1);
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, Errc::stage_full);
}

TEST_P(HotStoreContract, RequestedStageIsUsedEvenWhenOthersAreEmptier) {
    AddStage("a");
    AddStage("b");
    Fill("a", 3, "ua");
    auto r = Seat("u", "a", 1, 10, 2);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->session.stage_arn, Arn("a"));
    EXPECT_EQ(r->stage_viewers, 4);
}

TEST_P(HotStoreContract, RequestedUnknownStageIsNotFound) {
    AddStage("a");
    auto r = Seat("u", "nope", 0);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::not_found);
    EXPECT_FALSE(Session("u", 0).has_value());
}

TEST_P(HotStoreContract, RequestedFullStageIsStageFull) {
    AddStage("a");
    AddStage("b");
    Fill("a", 3, "ua");
    auto r = Seat("u", "a", 1, 3, 3);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::stage_full);
    EXPECT_EQ(r.error().message, "Stage " + Arn("a") + " is full, please try again later");
    EXPECT_EQ(Viewers("a", 1), 3);
}

// ---- Kept, moved, expired

TEST_P(HotStoreContract, SeatingAgainInTheSameStageKeepsTheSession) {
    AddStage("a");
    AddStage("b");
    auto first = Seat("u", "", 0);
    ASSERT_TRUE(first.has_value());
    const auto stage = first->session.stage_arn;
    Fill(stage == Arn("a") ? "b" : "a", 0, "x");

    auto again = Seat("u", "", 10);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->outcome, Outcome::kept);
    EXPECT_EQ(again->session.session_id, first->session.session_id);
    EXPECT_EQ(again->session.joined_at, At(0));
    EXPECT_EQ(again->session.stage_arn, stage);
    EXPECT_FALSE(again->ended.has_value());
    EXPECT_EQ(again->stage_viewers, 1);

    auto explicit_again = Seat("u", stage.substr(stage.rfind('/') + 1), 20);
    ASSERT_TRUE(explicit_again.has_value());
    EXPECT_EQ(explicit_again->outcome, Outcome::kept);
    EXPECT_EQ(explicit_again->session.session_id, first->session.session_id);
    EXPECT_EQ(explicit_again->session.joined_at, At(0));
}

TEST_P(HotStoreContract, KeptEvenWhenTheStageIsFull) {
    AddStage("a");
    Fill("a", 2, "u");
    auto r = Seat("u0", "a", 5, 2, 2);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->outcome, Outcome::kept);
    auto r2 = Seat("u1", "", 5, 2, 2);
    ASSERT_TRUE(r2.has_value()) << r2.error().message;
    EXPECT_EQ(r2->outcome, Outcome::kept);
    EXPECT_EQ(Viewers("a", 5), 2);
}

TEST_P(HotStoreContract, AskingForAnotherStageMovesTheUser) {
    AddStage("a");
    AddStage("b");
    auto first = Seat("u", "a", 0);
    ASSERT_TRUE(first.has_value());
    auto moved = Seat("u", "b", 5);
    ASSERT_TRUE(moved.has_value());
    EXPECT_EQ(moved->outcome, Outcome::moved);
    EXPECT_EQ(moved->session.stage_arn, Arn("b"));
    EXPECT_NE(moved->session.session_id, first->session.session_id);
    EXPECT_EQ(moved->session.joined_at, At(5));
    ASSERT_TRUE(moved->ended.has_value());
    EXPECT_EQ(moved->ended->session_id, first->session.session_id);
    EXPECT_EQ(moved->ended->stage_arn, Arn("a"));
    EXPECT_EQ(moved->ended->joined_at, At(0));
    EXPECT_EQ(Viewers("a", 5), 0);
    EXPECT_EQ(Viewers("b", 5), 1);
    auto s = Session("u", 5);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->stage_arn, Arn("b"));
}

TEST_P(HotStoreContract, RefusedMoveLeavesTheOldSessionInPlace) {
    AddStage("a");
    AddStage("b");
    Fill("b", 2, "ub");
    ASSERT_TRUE(Seat("u", "a", 0).has_value());
    auto r = Seat("u", "b", 1, 2, 2);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::stage_full);
    auto s = Session("u", 1);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->stage_arn, Arn("a"));
    EXPECT_EQ(Viewers("a", 1), 1);
}

TEST_P(HotStoreContract, AnExpiredSessionEndsAndANewOneStarts) {
    AddStage("a");
    auto first = Seat("u", "a", 0);
    ASSERT_TRUE(first.has_value());
    auto later = Seat("u", "a", 100);  // cutoff 40 > last heartbeat 0
    ASSERT_TRUE(later.has_value());
    EXPECT_EQ(later->outcome, Outcome::seated);
    EXPECT_NE(later->session.session_id, first->session.session_id);
    EXPECT_EQ(later->session.joined_at, At(100));
    ASSERT_TRUE(later->ended.has_value());
    EXPECT_EQ(later->ended->session_id, first->session.session_id);
    EXPECT_EQ(later->ended->last_heartbeat, At(0));
    EXPECT_EQ(later->stage_viewers, 1);
    // The old one is gone for good: nothing left to expire.
    auto expired = AwaitHot(store_->ExpireSessions(At(1000), 100));
    ASSERT_TRUE(expired.has_value());
    ASSERT_EQ(expired->size(), 1u);
    EXPECT_EQ((*expired)[0].session_id, later->session.session_id);
}

// ---- Heartbeat

TEST_P(HotStoreContract, HeartbeatRefreshesTheSession) {
    AddStage("a");
    auto seat = Seat("u", "a", 0);
    ASSERT_TRUE(seat.has_value());
    for (int t = 30; t <= 300; t += 30) {
        auto hb = AwaitHot(store_->Heartbeat("u", Arn("a"), "", At(t), At(t) - kTimeout));
        ASSERT_TRUE(hb.has_value()) << "at " << t << ": " << hb.error().message;
        EXPECT_EQ(*hb, At(t));
        auto s = Session("u", t);
        ASSERT_TRUE(s.has_value()) << "at " << t;
        EXPECT_EQ(s->last_heartbeat, At(t));
        EXPECT_EQ(s->joined_at, At(0));
        EXPECT_EQ(s->session_id, seat->session.session_id);
    }
    EXPECT_EQ(Viewers("a", 350), 1);
    auto by_id = AwaitHot(store_->Heartbeat("u", Arn("a"), seat->session.session_id, At(310),
                                            At(310) - kTimeout));
    EXPECT_TRUE(by_id.has_value());
    auto expired = AwaitHot(store_->ExpireSessions(At(300), 10));
    ASSERT_TRUE(expired.has_value());
    EXPECT_TRUE(expired->empty());
}

// Heartbeats may arrive out of order (two instances, a retried request): the later time stays.
TEST_P(HotStoreContract, AnOlderHeartbeatKeepsTheLaterTime) {
    AddStage("a");
    ASSERT_TRUE(Seat("u", "a", 0).has_value());
    auto later = AwaitHot(store_->Heartbeat("u", Arn("a"), "", At(30), At(30) - kTimeout));
    ASSERT_TRUE(later.has_value()) << later.error().message;
    auto older = AwaitHot(store_->Heartbeat("u", Arn("a"), "", At(20), At(20) - kTimeout));
    ASSERT_TRUE(older.has_value()) << older.error().message;
    EXPECT_EQ(*older, At(30));
    auto s = Session("u", 30);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->last_heartbeat, At(30));
}

// Sent together, so a store that runs concurrent heartbeats as one batch (Redis: one script
// call) gets viewers of two stages in it: every seat is refreshed on its own stage.
TEST_P(HotStoreContract, ConcurrentHeartbeatsOnSeveralStagesKeepEveryViewerLive) {
    AddStage("a");
    AddStage("b");
    Fill("a", 8, "a-", 0);
    Fill("b", 8, "b-", 0);
    boost::asio::io_context ioc;
    std::vector<std::future<Result<SystemTime>>> beats;
    for (int i = 0; i < 8; ++i) {
        for (const std::string stage : {"a", "b"}) {
            beats.push_back(boost::asio::co_spawn(
                ioc, store_->Heartbeat(Numbered(stage + "-", i), Arn(stage), "", At(50),
                                       At(50) - kTimeout),
                boost::asio::use_future));
        }
    }
    ioc.run();
    for (auto& beat : beats) {
        auto hb = beat.get();
        ASSERT_TRUE(hb.has_value()) << hb.error().message;
        EXPECT_EQ(*hb, At(50));
    }
    // By 100 the seats taken at 0 have expired: only the heartbeats at 50 keep them.
    EXPECT_EQ(Viewers("a", 100), 8);
    EXPECT_EQ(Viewers("b", 100), 8);
}

TEST_P(HotStoreContract, HeartbeatNeverRevivesAnExpiredSession) {
    AddStage("a");
    ASSERT_TRUE(Seat("u", "a", 0).has_value());
    auto hb = AwaitHot(store_->Heartbeat("u", Arn("a"), "", At(61), At(61) - kTimeout));
    ASSERT_FALSE(hb.has_value());
    EXPECT_EQ(hb.error().code, Errc::not_found);
    EXPECT_EQ(Viewers("a", 61), 0);
    EXPECT_FALSE(Session("u", 61).has_value());
}

TEST_P(HotStoreContract, HeartbeatForAnotherStageOrSessionIsNotFound) {
    AddStage("a");
    AddStage("b");
    auto seat = Seat("u", "a", 0);
    ASSERT_TRUE(seat.has_value());
    auto other_stage = AwaitHot(store_->Heartbeat("u", Arn("b"), "", At(1), At(1) - kTimeout));
    ASSERT_FALSE(other_stage.has_value());
    EXPECT_EQ(other_stage.error().code, Errc::not_found);
    auto other_session =
        AwaitHot(store_->Heartbeat("u", Arn("a"), SessionId(999999), At(1), At(1) - kTimeout));
    ASSERT_FALSE(other_session.has_value());
    EXPECT_EQ(other_session.error().code, Errc::not_found);
    auto nobody = AwaitHot(store_->Heartbeat("ghost", Arn("a"), "", At(1), At(1) - kTimeout));
    ASSERT_FALSE(nobody.has_value());
    EXPECT_EQ(nobody.error().code, Errc::not_found);
    auto unknown_stage =
        AwaitHot(store_->Heartbeat("u", Arn("zzz"), "", At(1), At(1) - kTimeout));
    ASSERT_FALSE(unknown_stage.has_value());
    EXPECT_EQ(unknown_stage.error().code, Errc::not_found);
    // None of these touched the real session.
    auto s = Session("u", 1);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->last_heartbeat, At(0));
}

// ---- Leave, participant, reads

TEST_P(HotStoreContract, LeaveEndsTheSessionOnce) {
    AddStage("a");
    AddStage("b");
    auto seat = Seat("u", "a", 0);
    ASSERT_TRUE(seat.has_value());
    auto wrong_stage = AwaitHot(store_->Leave("u", Arn("b"), ""));
    ASSERT_TRUE(wrong_stage.has_value());
    EXPECT_FALSE(wrong_stage->has_value());
    auto wrong_session = AwaitHot(store_->Leave("u", Arn("a"), SessionId(424242)));
    ASSERT_TRUE(wrong_session.has_value());
    EXPECT_FALSE(wrong_session->has_value());
    EXPECT_EQ(Viewers("a", 1), 1);

    auto left = AwaitHot(store_->Leave("u", Arn("a"), seat->session.session_id));
    ASSERT_TRUE(left.has_value());
    ASSERT_TRUE(left->has_value());
    EXPECT_EQ((*left)->session_id, seat->session.session_id);
    EXPECT_EQ((*left)->joined_at, At(0));
    EXPECT_EQ(Viewers("a", 1), 0);
    auto again = AwaitHot(store_->Leave("u", Arn("a"), ""));
    ASSERT_TRUE(again.has_value());
    EXPECT_FALSE(again->has_value());
    EXPECT_FALSE(Session("u", 1).has_value());
}

TEST_P(HotStoreContract, LeaveEndsAnExpiredSessionAsItWas) {
    AddStage("a");
    auto seat = Seat("u", "a", 0);
    ASSERT_TRUE(seat.has_value());
    auto left = AwaitHot(store_->Leave("u", Arn("a"), ""));
    ASSERT_TRUE(left.has_value());
    ASSERT_TRUE(left->has_value());
    EXPECT_EQ((*left)->last_heartbeat, At(0));
    auto expired = AwaitHot(store_->ExpireSessions(At(10000), 10));
    ASSERT_TRUE(expired.has_value());
    EXPECT_TRUE(expired->empty());
}

TEST_P(HotStoreContract, ParticipantIsRecordedOnTheCurrentSession) {
    AddStage("a");
    auto seat = Seat("u", "a", 0);
    ASSERT_TRUE(seat.has_value());
    EXPECT_FALSE(seat->session.participant_id.empty());
    ASSERT_TRUE(AwaitHot(store_->SetParticipant("u", seat->session.session_id, "part-123")));
    auto s = Session("u", 1);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->participant_id, "part-123");
    EXPECT_EQ(s->session_id, seat->session.session_id);
    EXPECT_EQ(s->stage_arn, Arn("a"));
    EXPECT_EQ(s->user_id, "u");
    auto stale = AwaitHot(store_->SetParticipant("u", SessionId(777777), "other"));
    ASSERT_FALSE(stale.has_value());
    EXPECT_EQ(stale.error().code, Errc::not_found);
    auto nobody = AwaitHot(store_->SetParticipant("ghost", SessionId(1), "x"));
    ASSERT_FALSE(nobody.has_value());
    EXPECT_EQ(Session("u", 1)->participant_id, "part-123");
}

TEST_P(HotStoreContract, LongAndUnusualIdsRoundTrip) {
    AddStage("a");
    auto req = Request(std::string(128, 'z'), "a", 0);
    req.new_session_id = "not-hex-session-id-of-some-length-0123456789";
    req.participant_id = "ABCDEFabcdef0123456789ABCDEFabcdef0123456789ABCDEFabcdef01234567";
    auto r = AwaitHot(store_->Seat(req));
    ASSERT_TRUE(r.has_value());
    auto s = Session(std::string(128, 'z'), 1);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->session_id, req.new_session_id);
    EXPECT_EQ(s->participant_id, req.participant_id);
    auto upper = Request("user:@x.y", "a", 0);
    upper.new_session_id = "0123456789ABCDEF0123456789ABCDEF";
    ASSERT_TRUE(AwaitHot(store_->Seat(upper)).has_value());
    EXPECT_EQ(Session("user:@x.y", 1)->session_id, upper.new_session_id);
}

TEST_P(HotStoreContract, ListViewersShowsOnlyLiveSessionsOfThatStage) {
    AddStage("a");
    AddStage("b");
    Fill("a", 3, "old", 0);
    Fill("a", 4, "new", 50);
    Fill("b", 2, "other", 50);
    auto list = AwaitHot(store_->ListViewers(Arn("a"), At(70) - kTimeout, 100));
    ASSERT_TRUE(list.has_value());
    std::set<std::string> users;
    for (const auto& v : *list) {
        users.insert(v.user_id);
        EXPECT_EQ(v.stage_arn, Arn("a"));
    }
    EXPECT_EQ(users, (std::set<std::string>{"new0", "new1", "new2", "new3"}));
    auto limited = AwaitHot(store_->ListViewers(Arn("a"), At(70) - kTimeout, 2));
    ASSERT_TRUE(limited.has_value());
    EXPECT_EQ(limited->size(), 2u);
    auto unknown = AwaitHot(store_->ListViewers(Arn("none"), At(70) - kTimeout, 10));
    ASSERT_TRUE(unknown.has_value());
    EXPECT_TRUE(unknown->empty());
}

TEST_P(HotStoreContract, CountsExcludeExpiredSessions) {
    AddStage("a");
    AddStage("b");
    Fill("a", 5, "early", 0);
    Fill("a", 2, "late", 30);
    Fill("b", 1, "b", 30);
    EXPECT_EQ(Viewers("a", 59), 7);
    EXPECT_EQ(Viewers("a", 61), 2);
    auto stages = AwaitHot(store_->ListStages(At(61) - kTimeout));
    ASSERT_TRUE(stages.has_value());
    std::map<std::string, int> counts;
    for (const auto& s : *stages) counts[s.arn] = s.viewers;
    EXPECT_EQ(counts[Arn("a")], 2);
    EXPECT_EQ(counts[Arn("b")], 1);
    auto snap = AwaitHot(store_->Snapshot(At(61), At(61) - kTimeout));
    ASSERT_TRUE(snap.has_value());
    int total = 0;
    for (const auto& s : snap->stages) total += s.viewers;
    EXPECT_EQ(total, 3);
    // An expired seat frees capacity: "a" has room for 3 more at capacity 5.
    for (int i = 0; i < 3; ++i) {
        auto r = Seat(Numbered("fresh", i), "a", 61, 5, 5);
        ASSERT_TRUE(r.has_value()) << i;
    }
    auto r = Seat("overflow", "a", 61, 5, 5);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::stage_full);
}

TEST_P(HotStoreContract, ExpiredSessionsBehindManyLiveOnesAreFoundInOneSweep) {
    AddStage("a");
    // All seated at 0; the "a-live" viewers (first in any order by name) keep heartbeating,
    // the "z-silent" ones go quiet.
    Fill("a", 40, "a-live", 0);
    Fill("a", 3, "z-silent", 0);
    for (int t = 30; t <= 90; t += 30) {
        for (int i = 0; i < 40; ++i) {
            auto hb = AwaitHot(
                store_->Heartbeat(Numbered("a-live", i), Arn("a"), "", At(t), At(t) - kTimeout));
            ASSERT_TRUE(hb.has_value()) << hb.error().message;
        }
    }
    // A sweep as the service runs it: batches of 2 until one comes back short.
    const SystemTime cutoff = At(90) - kTimeout;
    std::set<std::string> ended;
    for (int round = 0; round < 20; ++round) {
        auto batch = AwaitHot(store_->ExpireSessions(cutoff, 2));
        ASSERT_TRUE(batch.has_value());
        for (const auto& s : *batch) {
            EXPECT_EQ(s.user_id.rfind("z-silent", 0), 0u) << "a live session ended: " << s.user_id;
            EXPECT_TRUE(ended.insert(s.user_id).second) << "ended twice: " << s.user_id;
        }
        if (batch->size() < 2) break;
    }
    EXPECT_EQ(ended.size(), 3u);
    EXPECT_EQ(Viewers("a", 90), 40);
    // The live ones are still there, and expire in turn once they stop.
    auto later = AwaitHot(store_->ExpireSessions(At(90 + 1000) - kTimeout, 100));
    ASSERT_TRUE(later.has_value());
    EXPECT_EQ(later->size(), 40u);
}

TEST_P(HotStoreContract, ExpireSessionsWorksInBatches) {
    AddStage("a");
    AddStage("b");
    Fill("a", 15, "sa", 0);
    Fill("b", 10, "sb", 5);
    Fill("a", 5, "live", 100);
    const SystemTime cutoff = At(100) - kTimeout;
    std::set<std::string> expired_users;
    std::vector<std::size_t> sizes;
    for (;;) {
        auto batch = AwaitHot(store_->ExpireSessions(cutoff, 10));
        ASSERT_TRUE(batch.has_value());
        sizes.push_back(batch->size());
        for (const auto& s : *batch) {
            EXPECT_LT(s.last_heartbeat, cutoff);
            EXPECT_TRUE(expired_users.insert(s.user_id).second) << "ended twice: " << s.user_id;
        }
        if (batch->empty()) break;
        ASSERT_LT(sizes.size(), 10u);
    }
    EXPECT_EQ(sizes, (std::vector<std::size_t>{10, 10, 5, 0}));
    EXPECT_EQ(expired_users.size(), 25u);
    EXPECT_EQ(Viewers("a", 100), 5);
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(Session(Numbered("live", i), 100).has_value());
    // Expired and ended: the same user can start over.
    auto again = Seat("sa0", "", 100);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->outcome, Outcome::seated);
    EXPECT_FALSE(again->ended.has_value());
}

// ---- Stage registry

TEST_P(HotStoreContract, StageRegistryRoundTrips) {
    auto master = MakeStage("m", true);
    master.name = "master-stage";
    master.created_at = At(1.5);
    ASSERT_TRUE(AwaitHot(store_->UpsertStage(master)));
    auto got = AwaitHot(store_->GetStage(Arn("m"), At(0)));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->arn, Arn("m"));
    EXPECT_EQ(got->name, "master-stage");
    EXPECT_TRUE(got->is_master);
    EXPECT_FALSE(got->auto_scaled);
    EXPECT_EQ(got->state, ports::StageState::active);
    EXPECT_EQ(got->created_at, At(1.5));
    EXPECT_FALSE(got->draining_since.has_value());
    EXPECT_EQ(got->viewers, 0);

    ASSERT_TRUE(AwaitHot(store_->SetStageState(Arn("m"), ports::StageState::draining, At(7))));
    got = AwaitHot(store_->GetStage(Arn("m"), At(0)));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->state, ports::StageState::draining);
    ASSERT_TRUE(got->draining_since.has_value());
    EXPECT_EQ(*got->draining_since, At(7));
    ASSERT_TRUE(AwaitHot(store_->SetStageState(Arn("m"), ports::StageState::active, std::nullopt)));
    got = AwaitHot(store_->GetStage(Arn("m"), At(0)));
    EXPECT_EQ(got->state, ports::StageState::active);
    EXPECT_FALSE(got->draining_since.has_value());

    auto missing = AwaitHot(store_->GetStage(Arn("x"), At(0)));
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, Errc::not_found);
    auto missing_state =
        AwaitHot(store_->SetStageState(Arn("x"), ports::StageState::draining, At(0)));
    ASSERT_FALSE(missing_state.has_value());
    EXPECT_EQ(missing_state.error().code, Errc::not_found);
}

TEST_P(HotStoreContract, UpsertingAStageKeepsItsViewers) {
    AddStage("a");
    Fill("a", 3, "u");
    auto updated = MakeStage("a");
    updated.name = "renamed";
    updated.viewers = 99;  // ignored
    ASSERT_TRUE(AwaitHot(store_->UpsertStage(updated)));
    auto got = AwaitHot(store_->GetStage(Arn("a"), At(0)));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->name, "renamed");
    EXPECT_EQ(got->viewers, 3);
    auto all = AwaitHot(store_->ListStages(At(0)));
    ASSERT_TRUE(all.has_value());
    EXPECT_EQ(all->size(), 1u);
}

TEST_P(HotStoreContract, RemoveStageEndsEverySessionInIt) {
    AddStage("a");
    AddStage("b");
    Fill("a", 4, "ua", 0);
    Fill("a", 2, "stale", -100);  // expired, still stored
    Fill("b", 3, "ub", 0);
    auto removed = AwaitHot(store_->RemoveStage(Arn("a")));
    ASSERT_TRUE(removed.has_value());
    std::set<std::string> users;
    for (const auto& s : *removed) {
        EXPECT_EQ(s.stage_arn, Arn("a"));
        users.insert(s.user_id);
    }
    EXPECT_EQ(users, (std::set<std::string>{"ua0", "ua1", "ua2", "ua3", "stale0", "stale1"}));
    auto gone = AwaitHot(store_->GetStage(Arn("a"), At(0)));
    ASSERT_FALSE(gone.has_value());
    EXPECT_EQ(gone.error().code, Errc::not_found);
    EXPECT_FALSE(Session("ua0", 1).has_value());
    EXPECT_EQ(Viewers("b", 1), 3);
    auto seat = Seat("late", "a", 1);
    ASSERT_FALSE(seat.has_value());
    EXPECT_EQ(seat.error().code, Errc::not_found);
    auto expired = AwaitHot(store_->ExpireSessions(At(100000), 100));
    ASSERT_TRUE(expired.has_value());
    EXPECT_EQ(expired->size(), 3u);  // only b's sessions were left
    auto again = AwaitHot(store_->RemoveStage(Arn("a")));
    ASSERT_TRUE(again.has_value());
    EXPECT_TRUE(again->empty());
    // Re-registering starts empty.
    AddStage("a");
    EXPECT_EQ(Viewers("a", 1), 0);
}

TEST_P(HotStoreContract, PendingStageCreationsShowUntilTheyLapse) {
    auto snap = AwaitHot(store_->Snapshot(At(0), At(0) - kTimeout));
    ASSERT_TRUE(snap.has_value());
    EXPECT_EQ(snap->pending_stage_creations, 0);
    ASSERT_TRUE(AwaitHot(store_->SetPendingStageCreations(2, At(30))));
    snap = AwaitHot(store_->Snapshot(At(10), At(10) - kTimeout));
    EXPECT_EQ(snap->pending_stage_creations, 2);
    snap = AwaitHot(store_->Snapshot(At(31), At(31) - kTimeout));
    EXPECT_EQ(snap->pending_stage_creations, 0);
    ASSERT_TRUE(AwaitHot(store_->SetPendingStageCreations(0, At(100))));
    snap = AwaitHot(store_->Snapshot(At(10), At(10) - kTimeout));
    EXPECT_EQ(snap->pending_stage_creations, 0);
}

// ---- Publisher, replication, idempotency

TEST_P(HotStoreContract, PublisherStateRoundTrips) {
    auto none = AwaitHot(store_->GetPublisher());
    ASSERT_TRUE(none.has_value());
    EXPECT_FALSE(none->has_value());
    ports::PublisherState p;
    p.live = true;
    p.participant_id = "pub1";
    p.user_id = "broadcaster-alice";
    p.stage_arn = Arn("m");
    p.since = At(3);
    p.updated_at = At(4);
    p.source = "event";
    ASSERT_TRUE(AwaitHot(store_->SetPublisher(p)));
    auto got = AwaitHot(store_->GetPublisher());
    ASSERT_TRUE(got.has_value() && got->has_value());
    EXPECT_TRUE((*got)->live);
    EXPECT_EQ((*got)->participant_id, "pub1");
    EXPECT_EQ((*got)->user_id, "broadcaster-alice");
    EXPECT_EQ((*got)->stage_arn, Arn("m"));
    EXPECT_EQ((*got)->since, At(3));
    EXPECT_EQ((*got)->updated_at, At(4));
    EXPECT_EQ((*got)->source, "event");
    p.live = false;
    p.source = "poll";
    ASSERT_TRUE(AwaitHot(store_->SetPublisher(p)));
    got = AwaitHot(store_->GetPublisher());
    EXPECT_FALSE((*got)->live);
    EXPECT_EQ((*got)->source, "poll");
    auto snap = AwaitHot(store_->Snapshot(At(5), At(5) - kTimeout));
    ASSERT_TRUE(snap.has_value() && snap->publisher.has_value());
    EXPECT_FALSE(snap->publisher->live);
}

TEST_P(HotStoreContract, ASeatThatNeedsALivePublisherIsCheckedInTheSameStep) {
    AddStage("a");
    auto rq = Request("u", "a", 0);
    rq.require_live_publisher = true;
    auto nobody = AwaitHot(store_->Seat(rq));  // no publisher ever recorded
    ASSERT_FALSE(nobody.has_value());
    EXPECT_EQ(nobody.error().code, Errc::not_found);
    ports::PublisherState p;
    p.live = false;
    p.since = At(0);
    p.updated_at = At(0);
    ASSERT_TRUE(AwaitHot(store_->SetPublisher(p)));
    auto offline = AwaitHot(store_->Seat(rq));
    ASSERT_FALSE(offline.has_value());
    EXPECT_EQ(offline.error().code, Errc::not_found);
    EXPECT_EQ(Viewers("a", 0), 0);
    EXPECT_FALSE(Session("u", 0).has_value());
    p.live = true;
    ASSERT_TRUE(AwaitHot(store_->SetPublisher(p)));
    auto seated = AwaitHot(store_->Seat(rq));
    ASSERT_TRUE(seated.has_value()) << seated.error().message;
    EXPECT_EQ(seated->outcome, Outcome::seated);
    EXPECT_EQ(seated->session.participant_id, rq.participant_id);
    EXPECT_EQ(Viewers("a", 0), 1);
}

TEST_P(HotStoreContract, ReplicationRecordsAreKeyedByDestination) {
    auto empty = AwaitHot(store_->ListReplications());
    ASSERT_TRUE(empty.has_value());
    EXPECT_TRUE(empty->empty());
    ports::ReplicationRecord r{Arn("d1"), Arn("m"), "pub1", false, At(1)};
    ASSERT_TRUE(AwaitHot(store_->PutReplication(r)));
    ASSERT_TRUE(AwaitHot(store_->PutReplication({Arn("d2"), Arn("m"), "pub1", true, At(2)})));
    r.active = true;
    r.participant_id = "pub2";
    r.updated_at = At(3);
    ASSERT_TRUE(AwaitHot(store_->PutReplication(r)));
    auto list = AwaitHot(store_->ListReplications());
    ASSERT_TRUE(list.has_value());
    ASSERT_EQ(list->size(), 2u);
    std::map<std::string, ports::ReplicationRecord> by_dest;
    for (const auto& x : *list) by_dest[x.destination_stage_arn] = x;
    EXPECT_EQ(by_dest[Arn("d1")].participant_id, "pub2");
    EXPECT_TRUE(by_dest[Arn("d1")].active);
    EXPECT_EQ(by_dest[Arn("d1")].source_stage_arn, Arn("m"));
    EXPECT_EQ(by_dest[Arn("d1")].updated_at, At(3));
    EXPECT_TRUE(by_dest[Arn("d2")].active);
    ASSERT_TRUE(AwaitHot(store_->RemoveReplication(Arn("d1"))));
    ASSERT_TRUE(AwaitHot(store_->RemoveReplication(Arn("unknown"))));
    list = AwaitHot(store_->ListReplications());
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ((*list)[0].destination_stage_arn, Arn("d2"));
}

TEST_P(HotStoreContract, MarkOnceIsTrueOnlyTheFirstTimeWithinItsLifetime) {
    auto first = AwaitHot(store_->MarkOnce("event-1", std::chrono::seconds(1)));
    ASSERT_TRUE(first.has_value());
    EXPECT_TRUE(*first);
    EXPECT_FALSE(*AwaitHot(store_->MarkOnce("event-1", std::chrono::seconds(1))));
    EXPECT_TRUE(*AwaitHot(store_->MarkOnce("event-2", std::chrono::seconds(3600))));
    EXPECT_FALSE(*AwaitHot(store_->MarkOnce("event-2", std::chrono::seconds(3600))));
    // After its lifetime the key is new again.
    EXPECT_TRUE(WaitUntil(
        [&] {
            auto r = AwaitHot(store_->MarkOnce("event-1", std::chrono::seconds(1)));
            return r.has_value() && *r;
        },
        std::chrono::seconds(5), std::chrono::milliseconds(100)));
    EXPECT_FALSE(*AwaitHot(store_->MarkOnce("event-2", std::chrono::seconds(3600))));
}

TEST_P(HotStoreContract, PingAnswers) { EXPECT_TRUE(AwaitHot(store_->Ping()).has_value()); }

// ---- Concurrency

// Many threads seat, move, heartbeat and leave at once. Capacity holds at every instant, every
// session that started ends exactly once, and the counts agree with the sessions.
TEST_P(HotStoreContract, CapacityAndCountsHoldUnderConcurrency) {
    constexpr int kStages = 5;
    constexpr int kCapacity = 20;
    constexpr int kThreshold = 15;
    constexpr int kUsers = 150;  // more users than seats (100)
    constexpr int kThreads = 8;
    constexpr int kOpsPerThread = 600;
    for (int i = 0; i < kStages; ++i) AddStage(Numbered("s", i));

    std::atomic<int> started{0}, ended{0}, over_capacity{0}, seated_ok{0}, refused{0};
    std::atomic<int> next_session{1000000};
    std::atomic<bool> done{false};
    std::mutex errors_mu;
    std::vector<std::string> errors;
    auto note = [&](std::string e) {
        std::lock_guard lock(errors_mu);
        if (errors.size() < 20) errors.push_back(std::move(e));
    };

    std::thread watcher([&] {
        while (!done.load()) {
            auto snap = AwaitHot(store_->Snapshot(At(10), At(10) - kTimeout));
            if (!snap) continue;
            for (const auto& s : snap->stages) {
                if (s.viewers > kCapacity) over_capacity++;
            }
        }
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937 rng(1234 + t);
            for (int i = 0; i < kOpsPerThread; ++i) {
                const std::string user = Numbered("u", rng() % kUsers);
                const int op = static_cast<int>(rng() % 10);
                if (op < 6) {
                    ports::SeatRequest r;
                    r.user_id = user;
                    if (op >= 4) r.requested_stage = Arn(Numbered("s", rng() % kStages));
                    r.new_session_id = SessionId(next_session++);
                    r.now = At(10);
                    r.cutoff = At(10) - kTimeout;
                    r.capacity = kCapacity;
                    r.scale_up_threshold = kThreshold;
                    auto res = AwaitHot(store_->Seat(r));
                    if (!res) {
                        if (res.error().code != Errc::stage_full) note(res.error().message);
                        refused++;
                        continue;
                    }
                    seated_ok++;
                    if (res->stage_viewers > kCapacity) over_capacity++;
                    if (res->outcome != Outcome::kept) started++;
                    if (res->ended) ended++;
                    if (res->outcome == Outcome::moved && !res->ended) note("moved without ended");
                } else if (op < 8) {
                    auto cur = AwaitHot(store_->GetSession(user, At(10) - kTimeout));
                    if (!cur || !*cur) continue;
                    auto res = AwaitHot(store_->Leave(user, (*cur)->stage_arn, ""));
                    if (res && *res) ended++;
                } else {
                    auto cur = AwaitHot(store_->GetSession(user, At(10) - kTimeout));
                    if (!cur || !*cur) continue;
                    auto hb = AwaitHot(store_->Heartbeat(user, (*cur)->stage_arn, "", At(10),
                                                         At(10) - kTimeout));
                    if (!hb && hb.error().code != Errc::not_found) note(hb.error().message);
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    done = true;
    watcher.join();

    EXPECT_TRUE(errors.empty()) << errors.front();
    EXPECT_EQ(over_capacity.load(), 0);
    EXPECT_GT(seated_ok.load(), 1000);
    EXPECT_GT(refused.load(), 0) << "the test should push stages to capacity";

    auto stages = AwaitHot(store_->ListStages(At(10) - kTimeout));
    ASSERT_TRUE(stages.has_value());
    int total = 0;
    for (const auto& s : *stages) {
        EXPECT_LE(s.viewers, kCapacity);
        total += s.viewers;
        auto list = AwaitHot(store_->ListViewers(s.arn, At(10) - kTimeout, 1000));
        ASSERT_TRUE(list.has_value());
        EXPECT_EQ(static_cast<int>(list->size()), s.viewers);
    }
    int with_session = 0;
    for (int u = 0; u < kUsers; ++u) {
        if (Session(Numbered("u", u), 10)) with_session++;
    }
    EXPECT_EQ(total, with_session);
    EXPECT_EQ(started.load() - ended.load(), with_session);
}

// Seats race for the last places of one stage: exactly `capacity` win.
TEST_P(HotStoreContract, ExactlyCapacitySeatsWinARace) {
    AddStage("only");
    constexpr int kCapacity = 37;
    constexpr int kThreads = 8;
    constexpr int kPerThread = 40;
    std::atomic<int> won{0}, lost{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                ports::SeatRequest r;
                r.user_id = Numbered("t", t) + Numbered("-", i);
                r.new_session_id = SessionId(t * 1000 + i + 1);
                r.now = At(1);
                r.cutoff = At(1) - kTimeout;
                r.capacity = kCapacity;
                r.scale_up_threshold = kCapacity;
                auto res = AwaitHot(store_->Seat(r));
                if (res) {
                    won++;
                } else {
                    EXPECT_EQ(res.error().code, Errc::stage_full);
                    lost++;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(won.load(), kCapacity);
    EXPECT_EQ(lost.load(), kThreads * kPerThread - kCapacity);
    EXPECT_EQ(Viewers("only", 1), kCapacity);
}

}  // namespace ivs::test
