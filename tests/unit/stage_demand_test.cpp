// The stage-demand contract, for the in-process adapter and the Redis one (real Redis): waiting
// joins, and creation claims granted atomically against the registry so that instances scaling
// up at once never pass the stage limit or the demand's target.

#include <gtest/gtest.h>

#include <thread>

#include "adapters/hot_store/memory/memory_hot_store.hpp"
#include "adapters/local/local_stage_demand.hpp"
#include "adapters/redis/redis_client.hpp"
#include "adapters/redis/redis_hot_store.hpp"
#include "adapters/redis/redis_stage_demand.hpp"
#include "core/random.hpp"
#include "redis_test_util.hpp"

namespace ivs::adapters {
namespace {

using namespace std::chrono_literals;
using test::IoThreads;

struct Backend {
    std::shared_ptr<ports::HotStore> hot;
    // Two handles on the same shared state, as two instances would hold them.
    std::shared_ptr<ports::StageDemand> a, b;
};

class StageDemandTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (GetParam() == "memory") {
            be_.hot = MakeMemoryHotStore();
            be_.a = MakeLocalStageDemand(be_.hot);
            be_.b = be_.a;
            return;
        }
        if (!test::HarnessEnv("IVS_TEST_REDIS_PORT")) GTEST_SKIP() << "no Redis from the harness";
        redis::RedisOptions o;
        o.host = test::HarnessEnv("IVS_TEST_REDIS_HOST").value_or("127.0.0.1");
        o.port = std::stoi(*test::HarnessEnv("IVS_TEST_REDIS_PORT"));
        o.db = 7;
        o.key_prefix = "demand:" + RandomAlnum(8) + ":";
        auto c1 = redis::MakeRedisClient(io_.ioc(), o);
        auto c2 = redis::MakeRedisClient(io_.ioc(), o);
        ASSERT_TRUE(c1->WaitConnected(5s) && c2->WaitConnected(5s));
        be_.hot = redis::MakeRedisHotStore(c1);
        be_.a = redis::MakeRedisStageDemand(c1);
        be_.b = redis::MakeRedisStageDemand(c2);
    }

    void Register(const std::string& arn, bool draining = false) {
        ports::StageRecord r;
        r.arn = arn;
        r.name = arn;
        r.created_at = now_;
        r.state = draining ? ports::StageState::draining : ports::StageState::active;
        if (draining) r.draining_since = now_;
        ASSERT_TRUE(io_.Run(be_.hot->UpsertStage(r)));
    }
    int Claim(ports::StageDemand& d, int want, int target, int limit) {
        auto got = io_.Run(d.Claim({want, target, limit, now_, now_ + 30s}));
        EXPECT_TRUE(got) << got.error().message;
        if (!got) return 0;
        for (auto& id : *got) claims_.push_back(id);
        return static_cast<int>(got->size());
    }
    ports::DemandView View(SystemTime at) { return *io_.Run(be_.a->View(at)); }

    IoThreads io_;
    Backend be_;
    SystemTime now_ = std::chrono::system_clock::now();
    std::vector<std::string> claims_;
};

TEST_P(StageDemandTest, ConcurrentClaimsNeverPassTheLimit) {
    Register("master");
    std::atomic<int> granted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            auto& d = t % 2 ? *be_.b : *be_.a;
            for (int i = 0; i < 10; ++i) {
                auto got = io_.Run(d.Claim({3, 1000, 10, now_, now_ + 30s}));
                if (got) granted += static_cast<int>(got->size());
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(granted.load(), 9);  // 10 stages at most, the master included
    EXPECT_EQ(View(now_).creating, 9);
}

TEST_P(StageDemandTest, ClaimsStopAtTheTargetAndDrainingStagesCountOnlyAgainstTheLimit) {
    Register("master");
    Register("old", true);
    // Target 3 active: 1 active now, so 2 more; a second caller with the same target gets none.
    EXPECT_EQ(Claim(*be_.a, 5, 3, 20), 2);
    EXPECT_EQ(Claim(*be_.b, 5, 3, 20), 0);
    // Limit 5: 2 registered + 2 claimed, so one more whatever the target.
    EXPECT_EQ(Claim(*be_.b, 5, 100, 5), 1);
}

TEST_P(StageDemandTest, RegisteringThenReleasingKeepsTheCountAndFreesTheTarget) {
    Register("master");
    ASSERT_EQ(Claim(*be_.a, 1, 2, 20), 1);
    Register("s1");
    ASSERT_TRUE(io_.Run(be_.a->Release(claims_[0])));
    EXPECT_EQ(View(now_).creating, 0);
    EXPECT_EQ(Claim(*be_.b, 1, 2, 20), 0);  // master + s1 are the 2 wanted
    EXPECT_EQ(Claim(*be_.b, 1, 3, 20), 1);
}

TEST_P(StageDemandTest, AClaimLapsesUnlessItsCreatorExtendsIt) {
    ASSERT_EQ(Claim(*be_.a, 2, 10, 10), 2);
    EXPECT_TRUE(*io_.Run(be_.b->ClaimLive(claims_[0], now_)));
    ASSERT_TRUE(*io_.Run(be_.a->Extend(claims_[0], now_ + 90s)));
    const auto later = now_ + 60s;  // the other claim lapsed at now + 30 s
    EXPECT_TRUE(*io_.Run(be_.b->ClaimLive(claims_[0], later)));
    EXPECT_FALSE(*io_.Run(be_.b->ClaimLive(claims_[1], later)));
    EXPECT_EQ(View(later).creating, 1);
    ASSERT_TRUE(io_.Run(be_.a->Release(claims_[0])));
    EXPECT_FALSE(*io_.Run(be_.b->ClaimLive(claims_[0], now_)));
    EXPECT_FALSE(*io_.Run(be_.a->Extend(claims_[0], now_ + 90s)));
}

TEST_P(StageDemandTest, WaitingJoinsAreCountedUntilDoneOrLapsed) {
    ASSERT_TRUE(io_.Run(be_.a->AddWaiting("j1", now_ + 10s)));
    ASSERT_TRUE(io_.Run(be_.b->AddWaiting("j2", now_ + 10s)));
    ASSERT_TRUE(io_.Run(be_.b->AddWaiting("j3", now_ + 20s)));
    EXPECT_EQ(View(now_).waiting, 3);
    ASSERT_TRUE(io_.Run(be_.a->RemoveWaiting("j2")));
    EXPECT_EQ(View(now_).waiting, 2);
    EXPECT_EQ(View(now_ + 15s).waiting, 1);  // j1 gave up without saying so (its instance died)
}

INSTANTIATE_TEST_SUITE_P(Adapters, StageDemandTest, ::testing::Values("memory", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ivs::adapters
