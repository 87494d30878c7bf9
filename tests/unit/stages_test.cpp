// The stage side (registry, autoscaler runner, fan-out, publisher state) against the real
// in-process IVS emulator and the memory hot store, driven by a manual clock.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "adapters/hot_store/memory/memory_hot_store.hpp"
#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_ivs_client.hpp"
#include "adapters/local/local_event_bus.hpp"
#include "adapters/local/local_stage_demand.hpp"
#include "core/ids.hpp"
#include "core/time_format.hpp"
#include "domain/autoscaler/runner.hpp"
#include "domain/publisher/publisher_tracker.hpp"
#include "domain/stages/fanout.hpp"
#include "domain/stages/stage_directory.hpp"
#include "domain/stages/stage_registry.hpp"
#include "domain/stats/audience_stats_service.hpp"
#include "asio_test_util.hpp"
#include "test_support.hpp"

namespace ivs {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

std::string U(int i) {
    std::string u = "u";
    u.append(std::to_string(i));
    return u;
}

bool WaitFor(const std::function<bool()>& f) {
    return test::WaitUntil(f, std::chrono::seconds(10), std::chrono::milliseconds(2));
}

bool WaitForTicks(const autoscaler::Runner& r, std::uint64_t n) {
    return WaitFor([&] { return r.Ticks() >= n; });
}

using test::Sync;

class RecordingSink : public ports::SessionEventSink {
public:
    void Publish(ports::SessionEvent e) override {
        std::lock_guard lock(mu);
        events.push_back(std::move(e));
    }
    std::mutex mu;
    std::vector<ports::SessionEvent> events;
};

struct Recorder {
    std::mutex mu;
    std::vector<ports::LiveEvent> events;
    int Count(const std::string& type) {
        std::lock_guard lock(mu);
        int n = 0;
        for (const auto& e : events) n += e.type == type ? 1 : 0;
        return n;
    }
};

class StagesTest : public ::testing::Test {
protected:
    void SetUp() override { Build(); }

    void Build(autoscaler::PolicyConfig policy = Small()) {
        emulator::EmulatorOptions eo;
        eo.clock = &clock;
        emu = std::make_shared<emulator::Emulator>(eo);
        ivs = emulator::MakeEmulatorIvsClient(emu);
        hot = adapters::MakeMemoryHotStore(clock);
        bus = adapters::MakeLocalEventBus();
        bus->Subscribe([r = recorder](const ports::LiveEvent& e) {
            std::lock_guard lock(r->mu);
            r->events.push_back(e);
        });
        directory = std::make_shared<stages::StageDirectory>(ivs);
        fanout = std::make_shared<stages::FanOut>(ivs, hot, directory, clock, true, 0);
        stages::RegistryOptions ro;
        ro.deployment_id = "test";
        ro.name_prefix = "t";
        ro.create_master = true;
        ro.max_stages = policy.max_stages;
        ro.heartbeat_timeout = 60s;
        demand = adapters::MakeLocalStageDemand(hot);
        registry = std::make_shared<stages::StageRegistry>(
            stages::RegistryDeps{ivs, hot, nullptr, bus, sink, directory, fanout, demand, &clock},
            ro);
        tracker = std::make_shared<publisher::PublisherTracker>(ivs, hot, directory, bus, clock);
        autoscaler::RunnerOptions opts;
        opts.policy = policy;
        autoscaler::ScaleUpOptions so;
        so.policy = policy;
        scale_up = std::make_shared<autoscaler::ScaleUp>(ioc.get_executor(), registry, hot, demand,
                                                         bus, clock, so);
        runner = std::make_shared<autoscaler::Runner>(ioc.get_executor(), registry, fanout, tracker,
                                                      hot, nullptr, scale_up, demand, clock, opts);
    }

    static autoscaler::PolicyConfig Small() {
        autoscaler::PolicyConfig p;
        p.capacity = 5;
        p.scale_up_threshold = 4;
        p.scale_down_threshold = 1;
        p.spare_stages = 1;
        p.max_stages = 4;
        p.warmup = 10s;
        p.drain_timeout = 20s;
        return p;
    }

    void Start() { ASSERT_TRUE(Sync(ioc, registry->Start())); }

    std::vector<ports::StageRecord> Stages() {
        auto s = Sync(ioc, hot->ListStages(clock.Now() - 60s));
        EXPECT_TRUE(s);
        return s ? *s : std::vector<ports::StageRecord>{};
    }

    Result<ports::SeatResult> Seat(const std::string& user, std::string stage = {}) {
        ports::SeatRequest r;
        r.user_id = user;
        r.requested_stage = std::move(stage);
        r.new_session_id = user;
        r.new_session_id.insert(0, "s-");
        r.now = clock.Now();
        r.cutoff = clock.Now() - 60s;
        r.capacity = 5;
        r.scale_up_threshold = 4;
        return Sync(ioc, hot->Seat(r));
    }

    autoscaler::Decision Tick() { return Sync(ioc, runner->TickOnce()); }

    // A publisher really publishing in the master (emulator control surface).
    std::string PublishInMaster() {
        ports::CreateTokenRequest req;
        req.stage_arn = registry->MasterArn();
        req.user_id = "broadcaster-alice";
        req.duration_minutes = 240;
        req.capabilities = {ports::Capability::publish};
        auto token = emu->CreateParticipantToken(req);
        EXPECT_TRUE(token);
        auto joined = emu->Join(registry->MasterArn(), token->token);
        EXPECT_TRUE(joined) << (joined ? "" : joined.error().message);
        EXPECT_TRUE(emu->Publish(registry->MasterArn(), joined->participant_id));
        return joined->participant_id;
    }

    boost::json::object Event(std::string id, std::string name, std::string stage,
                               std::string participant, std::string time) {
        return boost::json::object{
            {"version", "0"},
            {"id", id},
            {"detail-type", "IVS Stage Update"},
            {"source", "aws.ivs"},
            {"time", time},
            {"resources", boost::json::array{boost::json::string(stage)}},
            {"detail",
             {{"event_name", name}, {"participant_id", participant}, {"user_id", "alice"}}}};
    }

    ManualClock clock;
    asio::io_context ioc;
    std::shared_ptr<emulator::Emulator> emu;
    std::shared_ptr<ports::IvsClient> ivs;
    std::shared_ptr<ports::HotStore> hot;
    std::shared_ptr<ports::EventBus> bus;
    std::shared_ptr<Recorder> recorder = std::make_shared<Recorder>();
    std::shared_ptr<RecordingSink> sink = std::make_shared<RecordingSink>();
    std::shared_ptr<stages::StageDirectory> directory;
    std::shared_ptr<stages::FanOut> fanout;
    std::shared_ptr<stages::StageRegistry> registry;
    std::shared_ptr<publisher::PublisherTracker> tracker;
    std::shared_ptr<ports::StageDemand> demand;
    std::shared_ptr<autoscaler::ScaleUp> scale_up;
    std::shared_ptr<autoscaler::Runner> runner;
};

TEST_F(StagesTest, EmbeddedStartCreatesTaggedMasterAndReusesItAfterRestart) {
    Start();
    const std::string master = registry->MasterArn();
    ASSERT_TRUE(IsStageArn(master));
    auto stage = emu->GetStage(master);
    ASSERT_TRUE(stage);
    EXPECT_EQ(stage->name, "t-master");
    EXPECT_EQ(stage->tags.at("ManagedBy"), "ivs-server");
    EXPECT_EQ(stage->tags.at("Deployment"), "test");
    auto stages = Stages();
    ASSERT_EQ(stages.size(), 1u);
    EXPECT_TRUE(stages[0].is_master);
    EXPECT_FALSE(Sync(ioc, directory->Endpoints(master))->whip.empty());

    // A restart against the same IVS (fresh hot store) finds the same master.
    auto old_emu = emu;
    Build();
    ivs = emulator::MakeEmulatorIvsClient(old_emu);
    emu = old_emu;
    directory = std::make_shared<stages::StageDirectory>(ivs);
    registry = std::make_shared<stages::StageRegistry>(
        stages::RegistryDeps{ivs, hot, nullptr, bus, sink, directory, fanout, demand, &clock},
        stages::RegistryOptions{"test", "t", "production", "", true, 4, 60s});
    Start();
    EXPECT_EQ(registry->MasterArn(), master);
}

TEST_F(StagesTest, ReconcileAdoptsTaggedStagesAndIgnoresUnrelatedOnes) {
    Start();
    // Ours from an earlier run, another deployment's, and an untagged one.
    ASSERT_TRUE(emu->CreateStage({"t-1", {{"ManagedBy", "ivs-server"}, {"Deployment", "test"}}}));
    ASSERT_TRUE(emu->CreateStage({"other", {{"ManagedBy", "ivs-server"}, {"Deployment", "prod"}}}));
    ASSERT_TRUE(emu->CreateStage({"manual", {}}));
    Start();
    auto stages = Stages();
    ASSERT_EQ(stages.size(), 2u);
    for (const auto& s : stages) EXPECT_TRUE(s.is_master || s.name == "t-1") << s.name;

    // The autoscaler never touches the unrelated ones, even when scaling down.
    clock.Advance(1h);
    for (int i = 0; i < 5; ++i) {
        Tick();
        clock.Advance(30s);
    }
    auto list = emu->ListStages("", 100);
    int unrelated = 0;
    for (const auto& s : list->items) unrelated += (s.name == "other" || s.name == "manual");
    EXPECT_EQ(unrelated, 2);
}

TEST_F(StagesTest, AutoscalerScalesUpDrainsAndDeletes) {
    Start();
    // Idle: master plus one spare.
    auto d = Tick();
    EXPECT_EQ(d.create, 1);
    ASSERT_EQ(Stages().size(), 2u);
    EXPECT_EQ(Tick().create, 0);
    EXPECT_EQ(recorder->Count("stage_created"), 1);

    // 8 viewers fill both stages to the threshold: one more stage (demand 2 + 1 spare).
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(Seat(U(i)));
    d = Tick();
    EXPECT_EQ(d.create, 1);
    EXPECT_EQ(Stages().size(), 3u);
    for (int i = 8; i < 12; ++i) ASSERT_TRUE(Seat(U(i)));
    EXPECT_EQ(Tick().create, 1);
    EXPECT_EQ(Stages().size(), 4u);
    for (const auto& s : Stages()) {
        auto tags = emu->GetStage(s.arn)->tags;
        EXPECT_EQ(tags["ManagedBy"], "ivs-server");
        EXPECT_EQ(tags["Deployment"], "test");
    }
    for (int i = 12; i < 20; ++i) ASSERT_TRUE(Seat(U(i)));
    EXPECT_EQ(Tick().create, 0);  // at MAX_STAGES
    for (const auto& s : Stages()) EXPECT_LE(s.viewers, 5);

    // Everyone leaves; young stages are kept until the warm-up is over.
    for (int i = 0; i < 20; ++i) {
        for (const auto& s : Stages()) (void)Sync(ioc, hot->Leave(U(i), s.arn, ""));
    }
    d = Tick();
    EXPECT_TRUE(d.drain.empty());
    clock.Advance(11s);
    d = Tick();
    EXPECT_EQ(d.drain.size(), 2u);  // back to master + 1 spare
    EXPECT_EQ(recorder->Count("stage_draining"), 2);
    // Draining stages are empty: deleted on the next tick.
    d = Tick();
    EXPECT_EQ(d.remove.size(), 2u);
    auto stages = Stages();
    ASSERT_EQ(stages.size(), 2u);
    EXPECT_EQ(recorder->Count("stage_deleted"), 2);
    int master = 0;
    for (const auto& s : stages) master += s.is_master;
    EXPECT_EQ(master, 1);
    EXPECT_EQ(emu->ListStages("", 100)->items.size(), 2u);
}

// A stage deleted behind the server's back: reconciliation at the next start, or a join whose
// token IVS refused for it, unregisters it and ends its sessions with their history events.
TEST_F(StagesTest, AStageGoneFromIvsIsUnregisteredAndItsSessionsEnd) {
    Start();
    auto first = Sync(ioc, registry->CreateStage(registry->NewStageName(), {}, true));
    auto second = Sync(ioc, registry->CreateStage(registry->NewStageName(), {}, true));
    ASSERT_TRUE(first && second);
    ASSERT_TRUE(Seat("r0", first->arn));
    ASSERT_TRUE(Seat("r1", first->arn));
    ASSERT_TRUE(Seat("j0", second->arn));
    ASSERT_TRUE(emu->DeleteStage(first->arn));
    ASSERT_TRUE(emu->DeleteStage(second->arn));

    EXPECT_FALSE(Sync(ioc, registry->DropVanished(registry->MasterArn())));  // never the master
    ASSERT_TRUE(Sync(ioc, registry->DropVanished(second->arn)));  // what a refused token does
    Start();  // reconciles the registry with IVS
    for (const auto& s : Stages()) {
        EXPECT_NE(s.arn, first->arn);
        EXPECT_NE(s.arn, second->arn);
    }
    std::lock_guard lock(sink->mu);
    ASSERT_EQ(sink->events.size(), 3u);
    std::set<std::string> users;
    for (const auto& e : sink->events) {
        EXPECT_EQ(e.kind, ports::SessionEvent::Kind::ended);
        EXPECT_EQ(e.end_reason, "stage_deleted");
        users.insert(e.user_id);
    }
    EXPECT_EQ(users, (std::set<std::string>{"r0", "r1", "j0"}));
    EXPECT_EQ(recorder->Count("stage_deleted"), 2);
}

TEST_F(StagesTest, DrainTimeoutDeletesStageWithViewersAndEndsTheirSessions) {
    auto policy = Small();
    policy.spare_stages = 0;
    Build(policy);
    Start();
    auto extra = Sync(ioc, registry->CreateStage(registry->NewStageName(), {}, true));
    ASSERT_TRUE(extra);
    const std::string stage = extra->arn;
    ASSERT_TRUE(Seat("u0", stage));
    ASSERT_TRUE(Sync(ioc, registry->Drain(stage)));
    EXPECT_EQ(recorder->Count("stage_draining"), 1);

    // Draining: a new viewer is never seated there.
    ASSERT_TRUE(Seat("late"));
    auto late = Sync(ioc, hot->GetSession("late", clock.Now() - 60s));
    ASSERT_TRUE(late && *late);
    EXPECT_EQ((*late)->stage_arn, registry->MasterArn());

    // Still a viewer inside: kept until the drain timeout.
    clock.Advance(10s);
    EXPECT_TRUE(Tick().remove.empty());
    // The viewer keeps heartbeating; the drain timeout deletes the stage anyway.
    clock.Advance(11s);
    ASSERT_TRUE(Sync(ioc, hot->Heartbeat("u0", stage, "", clock.Now(), clock.Now() - 60s)));
    auto d = Tick();
    ASSERT_EQ(d.remove.size(), 1u);
    EXPECT_EQ(d.remove[0], stage);
    for (const auto& s : Stages()) EXPECT_NE(s.arn, stage);
    EXPECT_FALSE(emu->GetStage(stage));
    std::lock_guard lock(sink->mu);
    ASSERT_EQ(sink->events.size(), 1u);
    EXPECT_EQ(sink->events[0].kind, ports::SessionEvent::Kind::ended);
    EXPECT_EQ(sink->events[0].user_id, "u0");
    EXPECT_EQ(sink->events[0].end_reason, "stage_deleted");
}

TEST_F(StagesTest, EventBridgeEventsDrivePublisherState) {
    Start();
    const std::string master = registry->MasterArn();
    auto published = Event("e1", "Participant Published", master, "pub1", "2030-01-01T00:00:00Z");
    clock.Set(*ParseIso8601("2030-01-01T00:00:05Z"));
    EXPECT_EQ(*Sync(ioc, tracker->HandleEvent(published)), publisher::EventOutcome::applied);
    auto state = *Sync(ioc, tracker->Current());
    ASSERT_TRUE(state);
    EXPECT_TRUE(state->live);
    EXPECT_EQ(state->participant_id, "pub1");
    EXPECT_EQ(recorder->Count("publisher_live"), 1);

    // Same id again: a duplicate, nothing changes.
    EXPECT_EQ(*Sync(ioc, tracker->HandleEvent(published)), publisher::EventOutcome::duplicate);
    // Another stage, another type, unknown name: ignored.
    EXPECT_EQ(*Sync(ioc, tracker->HandleEvent(Event("e2", "Participant Unpublished",
                                                   "arn:aws:ivs:us-east-1:1:stage/zzz", "pub1",
                                                   "2030-01-01T00:00:06Z"))),
              publisher::EventOutcome::ignored);
    EXPECT_EQ(*Sync(ioc, tracker->HandleEvent(Event("e3", "Participant Replication Started", master,
                                                   "pub1", "2030-01-01T00:00:06Z"))),
              publisher::EventOutcome::ignored);
    auto other = Event("e4", "Participant Published", master, "pub1", "2030-01-01T00:00:06Z");
    other["detail-type"] = "IVS Participant Recording State Change";
    EXPECT_EQ(*Sync(ioc, tracker->HandleEvent(other)), publisher::EventOutcome::ignored);
    EXPECT_FALSE(Sync(ioc, tracker->HandleEvent(boost::json::object{{"foo", 1}})));
    EXPECT_TRUE((*Sync(ioc, tracker->Current()))->live);

    // An Unpublished older than the state (delivered late) is ignored; a current one applies.
    EXPECT_EQ(*Sync(ioc, tracker->HandleEvent(Event("e5", "Participant Unpublished", master, "pub1",
                                                   "2029-12-31T23:59:00Z"))),
              publisher::EventOutcome::ignored);
    EXPECT_TRUE((*Sync(ioc, tracker->Current()))->live);
    EXPECT_EQ(*Sync(ioc, tracker->HandleEvent(Event("e6", "Participant Unpublished", master, "pub1",
                                                   "2030-01-01T00:01:00Z"))),
              publisher::EventOutcome::applied);
    EXPECT_FALSE((*Sync(ioc, tracker->Current()))->live);
    EXPECT_EQ(recorder->Count("publisher_offline"), 1);
}

TEST_F(StagesTest, PollFollowsIvsAndFanOutReplicatesToEveryStage) {
    Start();
    Tick();  // spare
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(Seat(U(i)));
    Tick();
    for (int i = 8; i < 12; ++i) ASSERT_TRUE(Seat(U(i)));
    Tick();  // 4 stages: master + 3 fan-out
    ASSERT_EQ(Stages().size(), 4u);

    // No publisher yet: poll says offline, no replication.
    ASSERT_TRUE(Sync(ioc, tracker->Poll()));
    EXPECT_FALSE(*Sync(ioc, tracker->Current()) && (*Sync(ioc, tracker->Current()))->live);
    Tick();
    EXPECT_TRUE(Sync(ioc, hot->ListReplications())->empty());

    const std::string pid = PublishInMaster();
    ASSERT_TRUE(Sync(ioc, tracker->Poll()));
    auto state = *Sync(ioc, tracker->Current());
    ASSERT_TRUE(state && state->live);
    EXPECT_EQ(state->participant_id, pid);
    EXPECT_EQ(state->source, "poll");

    Tick();
    auto records = *Sync(ioc, hot->ListReplications());
    EXPECT_EQ(records.size(), 3u);
    for (const auto& r : records) {
        EXPECT_TRUE(r.active);
        EXPECT_EQ(r.participant_id, pid);
        EXPECT_EQ(r.source_stage_arn, registry->MasterArn());
    }
    auto replicas = emu->ListParticipantReplicas(registry->MasterArn(), pid, "", 50);
    ASSERT_TRUE(replicas);
    EXPECT_EQ(replicas->items.size(), 3u);

    // A new publisher participant: replication is re-pointed.
    ASSERT_TRUE(emu->Leave(registry->MasterArn(), pid));
    const std::string pid2 = PublishInMaster();
    ASSERT_TRUE(Sync(ioc, tracker->Poll()));
    EXPECT_EQ((*Sync(ioc, tracker->Current()))->participant_id, pid2);
    Tick();
    records = *Sync(ioc, hot->ListReplications());
    ASSERT_EQ(records.size(), 3u);
    for (const auto& r : records) EXPECT_EQ(r.participant_id, pid2);
    EXPECT_EQ(emu->ListParticipantReplicas(registry->MasterArn(), pid2, "", 50)->items.size(), 3u);

    // Deleting a fan-out stage stops its replication.
    std::string victim;
    for (const auto& s : Stages()) {
        if (!s.is_master && s.viewers == 0) victim = s.arn;
    }
    if (victim.empty()) {
        for (const auto& s : Stages()) {
            if (!s.is_master) victim = s.arn;
        }
    }
    ASSERT_TRUE(Sync(ioc, registry->Delete(victim)));
    records = *Sync(ioc, hot->ListReplications());
    EXPECT_EQ(records.size(), 2u);
    for (const auto& r : records) EXPECT_NE(r.destination_stage_arn, victim);

    // The publisher stops: the poll turns it offline, fan-out is torn down.
    ASSERT_TRUE(emu->Unpublish(registry->MasterArn(), pid2));
    ASSERT_TRUE(Sync(ioc, tracker->Poll()));
    EXPECT_FALSE((*Sync(ioc, tracker->Current()))->live);
    Tick();
    EXPECT_TRUE(Sync(ioc, hot->ListReplications())->empty());
}

TEST_F(StagesTest, CreateStageEnforcesMaxStagesAndOurTags) {
    Start();
    auto a = Sync(ioc, registry->CreateStage("api-1", {{"ManagedBy", "someone"}, {"Team", "x"}},
                                            false));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->tags.at("ManagedBy"), "ivs-server");
    EXPECT_EQ(a->tags.at("Team"), "x");
    ASSERT_TRUE(Sync(ioc, registry->CreateStage("api-2", {}, false)));
    ASSERT_TRUE(Sync(ioc, registry->CreateStage("api-3", {}, false)));
    auto over = Sync(ioc, registry->CreateStage("api-4", {}, false));
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, Errc::stage_limit_reached);
    EXPECT_EQ(Stages().size(), 4u);
    // The master cannot be deleted or drained.
    EXPECT_EQ(Sync(ioc, registry->Delete(registry->MasterArn())).error().code, Errc::forbidden);
    EXPECT_EQ(Sync(ioc, registry->Drain(registry->MasterArn())).error().code, Errc::forbidden);
}

TEST_F(StagesTest, StatsAgreeWithTheRegistry) {
    Start();
    Tick();
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(Seat(U(i)));
    stats::AudienceStatsService stats(hot, clock, 60s);
    auto snap = Sync(ioc, stats.Snapshot());
    ASSERT_TRUE(snap);
    EXPECT_EQ(snap->total_viewers, 6);
    int sum = 0;
    for (const auto& s : snap->stages) sum += s.viewers;
    EXPECT_EQ(sum, 6);
    EXPECT_EQ(snap->stages.size(), 2u);
    // Expired sessions are not counted.
    clock.Advance(61s);
    snap = Sync(ioc, stats.Snapshot());
    EXPECT_EQ(snap->total_viewers, 0);
}

}  // namespace
}  // namespace ivs

namespace ivs {
namespace {

class SwitchableLeadership : public ports::Leadership {
public:
    bool IsLeader() const override { return leader.load(); }
    std::uint64_t FencingToken() const override { return leader ? 1 : 0; }
    const std::string& InstanceId() const override { return id; }
    std::atomic<bool> leader{false};
    std::string id = "i1";
};

TEST_F(StagesTest, RunnerTicksOnTriggerOnlyOnTheLeader) {
    Start();
    auto leadership = std::make_shared<SwitchableLeadership>();
    autoscaler::RunnerOptions opts;
    opts.policy = Small();
    opts.interval = std::chrono::seconds(3600);  // only triggers tick in this test
    opts.publisher_poll = std::chrono::seconds(3600);
    asio::io_context loop;
    auto r = std::make_shared<autoscaler::Runner>(loop.get_executor(), registry, fanout, tracker,
                                                  hot, leadership, scale_up, demand, clock, opts);
    auto guard = asio::make_work_guard(loop);
    std::thread thread([&] { loop.run(); });
    r->Start();
    // Not the leader: triggers do nothing.
    r->Trigger();
    r->Trigger();
    std::this_thread::yield();
    EXPECT_EQ(r->Ticks(), 0u);
    EXPECT_EQ(emu->ListStages("", 100)->items.size(), 1u);

    leadership->leader = true;
    r->Trigger();
    EXPECT_TRUE(WaitForTicks(*r, 1));
    EXPECT_TRUE(WaitFor([&] { return emu->ListStages("", 100)->items.size() == 2u; }));
    // Many triggers at once coalesce into a few ticks, never into parallel ones.
    const auto before = r->Ticks();
    for (int i = 0; i < 50; ++i) r->Trigger();
    EXPECT_TRUE(WaitForTicks(*r, before + 1));
    EXPECT_EQ(emu->ListStages("", 100)->items.size(), 2u);  // nothing created twice

    auto stopped = asio::co_spawn(loop, r->Stop(), asio::use_future);
    stopped.get();
    guard.reset();
    loop.stop();
    thread.join();
}

}  // namespace
}  // namespace ivs
