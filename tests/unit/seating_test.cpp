// Seating when every stage is full, with the real parts in one process: the in-process IVS
// emulator, the memory hot store, the registry, demand-driven scale-up and the audience service.
// A join without a seat registers its demand, the stages it needs are created for it and it is
// woken when one appears; when no stage can be created it is refused at once.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include <map>
#include <thread>

#include "adapters/hot_store/memory/memory_hot_store.hpp"
#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_ivs_client.hpp"
#include "adapters/local/local_event_bus.hpp"
#include "adapters/local/local_stage_demand.hpp"
#include "adapters/tokens/token_signers.hpp"
#include "domain/audience/audience_service.hpp"
#include "domain/autoscaler/scale_up.hpp"
#include "domain/stages/fanout.hpp"
#include "domain/stages/stage_directory.hpp"
#include "domain/stages/stage_registry.hpp"
#include "redis_test_util.hpp"

namespace ivs {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

struct Limits {
    int capacity = 5;
    int threshold = 4;
    int spare = 0;
    int max_stages = 40;
    int ivs_max_stages = 1000;  // the emulator's (account) stage quota
    bool replication_limit = false;
};

class SeatingTest : public ::testing::Test {
protected:
    void Build(Limits l) {
        emulator::EmulatorOptions eo;
        eo.max_stages = l.ivs_max_stages;
        emu = std::make_shared<emulator::Emulator>(eo);
        ivs = emulator::MakeEmulatorIvsClient(emu);
        hot = adapters::MakeMemoryHotStore();
        bus = adapters::MakeLocalEventBus();
        demand = adapters::MakeLocalStageDemand(hot);
        auto directory = std::make_shared<stages::StageDirectory>(ivs);
        auto fanout = std::make_shared<stages::FanOut>(ivs, hot, directory, clock, false, 0);
        stages::RegistryOptions ro;
        ro.deployment_id = "seating";
        ro.create_master = true;
        ro.max_stages = l.max_stages;
        registry = std::make_shared<stages::StageRegistry>(
            stages::RegistryDeps{ivs, hot, nullptr, bus, nullptr, directory, fanout, demand, &clock},
            ro);
        ASSERT_TRUE(io.Run(registry->Start()));
        autoscaler::ScaleUpOptions so;
        so.policy.capacity = l.capacity;
        so.policy.scale_up_threshold = l.threshold;
        so.policy.spare_stages = l.spare;
        so.policy.max_stages = l.max_stages;
        so.replication_limit = l.replication_limit;
        scale_up = std::make_shared<autoscaler::ScaleUp>(io.ioc().get_executor(), registry, hot,
                                                         demand, bus, clock, so);
        bus->Subscribe([s = scale_up](const ports::LiveEvent& e) { s->OnEvent(e); });
        audience::AudienceOptions ao;
        ao.stage_capacity = l.capacity;
        ao.scale_up_threshold = l.threshold;
        ao.require_live_publisher = false;
        audience::AudienceDeps deps;
        deps.hot_store = hot;
        deps.token_signer = tokens::MakeApiTokenSigner(ivs);
        deps.session_tokens =
            std::make_shared<audience::SessionTokenCodec>("seating-secret", clock, 61min);
        deps.clock = &clock;
        deps.seat_supply = scale_up;
        service = std::make_shared<audience::AudienceService>(ao, std::move(deps));
    }

    Result<audience::ViewerJoin> Join(const std::string& user) {
        return io.Run(service->JoinAsViewer(user, "", {}));
    }
    std::vector<ports::StageRecord> Stages() { return *io.Run(hot->ListStages(clock.Now() - 60s)); }

    SystemClock clock;
    test::IoThreads io{2};
    std::shared_ptr<emulator::Emulator> emu;
    std::shared_ptr<ports::IvsClient> ivs;
    std::shared_ptr<ports::HotStore> hot;
    std::shared_ptr<ports::EventBus> bus;
    std::shared_ptr<ports::StageDemand> demand;
    std::shared_ptr<stages::StageRegistry> registry;
    std::shared_ptr<autoscaler::ScaleUp> scale_up;
    std::shared_ptr<audience::AudienceService> service;
};

TEST_F(SeatingTest, ABurstOfJoinsIsSeatedWhileStagesCanBeMade) {
    Build({});
    // 120 joins at once, no spare stage: each one that finds the stages full waits for the
    // stages the waiting joins need, created in parallel.
    std::vector<std::future<Result<audience::ViewerJoin>>> joins;
    for (int i = 0; i < 120; ++i) {
        joins.push_back(asio::co_spawn(io.ioc(), service->JoinAsViewer("b" + std::to_string(i), "", {}),
                                       asio::use_future));
    }
    std::map<std::string, int> per_stage;
    for (auto& f : joins) {
        auto j = f.get();
        ASSERT_TRUE(j.has_value()) << j.error().message;
        ++per_stage[j->session.stage_arn];
    }
    for (const auto& [arn, n] : per_stage) EXPECT_LE(n, 5) << arn;
    const auto stages = Stages();
    int seated = 0;
    for (const auto& s : stages) seated += s.viewers;
    EXPECT_EQ(seated, 120);
    // Never more stages than the demand asked for: 120 seats at 4 per stage before the next one
    // is wanted, plus the stages seats filled to capacity made unnecessary.
    EXPECT_LE(static_cast<int>(stages.size()), 30);
    EXPECT_EQ(io.Run(demand->View(clock.Now()))->waiting, 0);
    EXPECT_EQ(io.Run(demand->View(clock.Now()))->creating, 0);
    // Joins found every stage full and waited for new ones: those waits are what the operator
    // sees as the time from the first refused seat to the next stage.
    const auto waits = scale_up->SeatWaits();
    EXPECT_GE(waits.episodes, 1u);
    EXPECT_LE(waits.episodes, stages.size());
    // A creation takes time: an episode that measured nothing did not time the wait.
    EXPECT_GT(waits.last_seconds, 0.0);
    EXPECT_GE(waits.max_seconds, waits.last_seconds);
    EXPECT_GE(waits.total_seconds, waits.max_seconds);
}

TEST_F(SeatingTest, AJoinWaitsForAStageAnotherInstanceIsCreating) {
    Build({.max_stages = 3});
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(Join("m" + std::to_string(i)).has_value());
    // Another instance holds the claim for the next stages: this join must wait, not create.
    auto claims = io.Run(demand->Claim({2, 3, 3, clock.Now(), clock.Now() + 30s}));
    ASSERT_EQ(claims->size(), 2u);
    auto parked = asio::co_spawn(io.ioc(), service->JoinAsViewer("late", "", {}), asio::use_future);
    ASSERT_TRUE(test::WaitUntil([&] { return io.Run(demand->View(clock.Now()))->waiting == 1; }));
    EXPECT_EQ(parked.wait_for(0s), std::future_status::timeout);
    EXPECT_EQ(scale_up->CreationsStarted(), 0u);
    auto created = io.Run(registry->CreateClaimed((*claims)[0]));
    ASSERT_TRUE(created.has_value()) << created.error().message;
    auto joined = parked.get();
    ASSERT_TRUE(joined.has_value()) << joined.error().message;
    EXPECT_EQ(joined->session.stage_arn, created->arn);
    EXPECT_EQ(io.Run(demand->View(clock.Now()))->waiting, 0);
    ASSERT_TRUE(io.Run(demand->Release((*claims)[1])));
}

TEST_F(SeatingTest, AtTheStageLimitAJoinIsRefusedAtOnce) {
    Build({.max_stages = 2});
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(Join("f" + std::to_string(i)).has_value()) << i;
    ASSERT_EQ(Stages().size(), 2u);
    const auto started = scale_up->CreationsStarted();
    auto refused = Join("one-too-many");
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, Errc::stage_full);
    EXPECT_GT(refused.error().retry_after_seconds, 0);
    EXPECT_EQ(scale_up->CreationsStarted(), started);
    EXPECT_EQ(io.Run(demand->View(clock.Now()))->waiting, 0);
}

TEST_F(SeatingTest, ReplicationLimitRefusesWithStageLimitReached) {
    Build({.max_stages = 6, .replication_limit = true});
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(Join("r" + std::to_string(i)).has_value()) << i;
    auto refused = Join("r30");
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, Errc::stage_limit_reached);
    EXPECT_EQ(Stages().size(), 6u);
}

TEST_F(SeatingTest, AnIvsQuotaRefusalFailsTheWaitingJoinAtOnce) {
    // IVS holds at most 2 stages although MAX_STAGES would allow 10.
    Build({.max_stages = 10, .ivs_max_stages = 2});
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(Join("q" + std::to_string(i)).has_value()) << i;
    auto refused = Join("q10");
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, Errc::stage_limit_reached);
    EXPECT_EQ(io.Run(demand->View(clock.Now()))->creating, 0);
}

TEST_F(SeatingTest, AStageWhoseCreatorDiedIsAdoptedOnceItsClaimLapses) {
    Build({});
    const auto now = clock.Now();
    auto held = io.Run(demand->Claim({1, 10, 10, now, now + 30s}));
    auto lapsing = io.Run(demand->Claim({1, 10, 10, now, now + 1ms}));
    ASSERT_EQ(held->size(), 1u);
    ASSERT_EQ(lapsing->size(), 1u);
    // What a creator leaves in IVS when it dies between CreateStage and registering.
    auto tagged = [&](const std::string& claim) {
        ports::Tags tags = registry->ManagedTags();
        tags["CreationClaim"] = claim;
        return *io.Run(ivs->CreateStage(ports::CreateStageRequest{"orphan", tags}));
    };
    auto busy = tagged(held->front());
    auto orphan = tagged(lapsing->front());
    ASSERT_TRUE(test::WaitUntil([&] { return !*io.Run(demand->ClaimLive(lapsing->front(), clock.Now())); }));
    auto adopted = io.Run(registry->AdoptOrphans());
    ASSERT_TRUE(adopted.has_value());
    EXPECT_EQ(*adopted, 1);
    EXPECT_TRUE(io.Run(registry->Find(orphan.arn)).has_value());
    EXPECT_FALSE(io.Run(registry->Find(busy.arn)).has_value());  // its creator is still at work
}

}  // namespace
}  // namespace ivs
