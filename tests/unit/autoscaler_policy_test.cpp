#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <utility>
#include <vector>
#include <ostream>

#include "domain/autoscaler/policy.hpp"

namespace ivs::autoscaler {
namespace {

using std::chrono::seconds;

// Defaults of the product: capacity 50, threshold 45, down 5, 1 spare, max 20, warm-up 300 s,
// drain timeout 300 s.
PolicyConfig Defaults() { return PolicyConfig{}; }

std::string Name(const char* prefix, int i) {
    std::string n = prefix;
    n.append(std::to_string(i));
    return n;
}

StageView Master(int viewers) {
    return StageView{.arn = "master", .is_master = true, .viewers = viewers, .age = seconds(100000)};
}
StageView Active(std::string arn, int viewers, int age_s = 100000) {
    return StageView{.arn = std::move(arn), .viewers = viewers, .age = seconds(age_s)};
}
StageView Draining(std::string arn, int viewers, int draining_s) {
    return StageView{.arn = std::move(arn),
                     .draining = true,
                     .viewers = viewers,
                     .age = seconds(100000),
                     .draining_for = seconds(draining_s)};
}

struct Case {
    std::string name;
    std::vector<StageView> stages;
    int pending = 0;
    PolicyConfig config = Defaults();
    int create = 0;
    std::vector<std::string> drain;
    std::vector<std::string> undrain;
    std::vector<std::string> remove;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<std::string> Sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

class PolicyTable : public ::testing::TestWithParam<Case> {};

TEST_P(PolicyTable, Decides) {
    const Case& c = GetParam();
    Decision d = Decide(PolicyInput{c.stages, c.pending}, c.config);
    EXPECT_EQ(d.create, c.create);
    EXPECT_EQ(Sorted(d.drain), Sorted(c.drain));
    EXPECT_EQ(Sorted(d.undrain), Sorted(c.undrain));
    EXPECT_EQ(Sorted(d.remove), Sorted(c.remove));
    EXPECT_EQ(d.Empty(), d.reason.empty());
}

PolicyConfig With(std::function<void(PolicyConfig&)> f) {
    PolicyConfig c = Defaults();
    f(c);
    return c;
}

const Case kCases[] = {
    // --- spares
    {"idle master gets its spare", {Master(0)}, 0, Defaults(), 1, {}, {}, {}},
    {"idle master plus spare is steady", {Master(0), Active("s1", 0)}, 0, Defaults(), 0, {}, {}, {}},
    {"no spares wanted: idle master alone is steady", {Master(0)}, 0,
     With([](PolicyConfig& c) { c.spare_stages = 0; }), 0, {}, {}, {}},
    {"two spares", {Master(10)}, 0, With([](PolicyConfig& c) { c.spare_stages = 2; }), 2, {}, {}, {}},
    {"pending creation counts as a stage", {Master(0)}, 1, Defaults(), 0, {}, {}, {}},

    // --- scale-up
    {"demand beyond one stage adds one", {Master(30), Active("s1", 30)}, 0, Defaults(), 1, {}, {}, {}},
    {"demand within master plus spare is steady", {Master(40), Active("s1", 5, 10)}, 0, Defaults(),
     0, {}, {}, {}},
    {"every stage at threshold scales up without spares", {Master(45), Active("s1", 45)}, 0,
     With([](PolicyConfig& c) { c.spare_stages = 0; }), 1, {}, {}, {}},
    {"one stage below threshold: no scale-up without spares", {Master(45), Active("s1", 44)}, 0,
     With([](PolicyConfig& c) { c.spare_stages = 0; }), 0, {}, {}, {}},
    {"big jump creates several at once", {Master(50), Active("s1", 50), Active("s2", 50)}, 0,
     Defaults(), 2, {}, {}, {}},
    {"pending creations are not created twice", {Master(50), Active("s1", 50), Active("s2", 50)}, 2,
     Defaults(), 0, {}, {}, {}},

    // --- max stages
    {"never above MAX_STAGES", {Master(50), Active("s1", 50), Active("s2", 50)}, 0,
     With([](PolicyConfig& c) { c.max_stages = 4; }), 1, {}, {}, {}},
    {"at MAX_STAGES nothing is created", {Master(50), Active("s1", 50)}, 0,
     With([](PolicyConfig& c) { c.max_stages = 2; }), 0, {}, {}, {}},
    {"draining stages count toward MAX_STAGES",
     {Master(50), Active("s1", 50), Draining("d1", 0, 1)}, 0,
     With([](PolicyConfig& c) { c.max_stages = 3; }), 0, {}, {"d1"}, {}},

    // --- undrain before create
    {"scale-up undrains the busiest draining stage first",
     {Master(45), Active("s1", 45), Draining("d1", 3, 10), Draining("d2", 1, 10)}, 0,
     With([](PolicyConfig& c) { c.spare_stages = 0; }), 0, {}, {"d1"}, {}},
    {"undrain then create", {Master(50), Active("s1", 50), Draining("d1", 0, 10)}, 0, Defaults(), 1,
     {}, {"d1"}, {}},
    {"draining master is put back", {StageView{.arn = "master", .is_master = true, .draining = true, .age = seconds(1000),
                .draining_for = seconds(5)},
                                     Active("s1", 0)},
     0, Defaults(), 0, {}, {"master"}, {}},

    // --- drain
    {"old quiet stage is drained", {Master(3), Active("s1", 0), Active("s2", 2)}, 0, Defaults(), 0,
     {"s1"}, {}, {}},
    {"quietest stage drained first, keeping the spare",
     {Master(10), Active("s1", 4), Active("s2", 1), Active("s3", 5)}, 0, Defaults(), 0,
     {"s2", "s1"}, {}, {}},
    {"stage above SCALE_DOWN_THRESHOLD is kept", {Master(0), Active("s1", 6), Active("s2", 6)}, 0,
     Defaults(), 0, {}, {}, {}},
    {"warm-up protects a young stage", {Master(0), Active("s1", 0, 299), Active("s2", 0, 10)}, 0,
     Defaults(), 0, {}, {}, {}},
    {"warm-up over: drained", {Master(0), Active("s1", 0, 300), Active("s2", 0, 10)}, 0, Defaults(),
     0, {"s1"}, {}, {}},
    {"master is never drained", {Master(0), Active("s1", 0)}, 0,
     With([](PolicyConfig& c) { c.spare_stages = 0; }), 0, {"s1"}, {}, {}},
    {"nothing drains while creations are pending", {Master(0), Active("s1", 0), Active("s2", 0)}, 1,
     Defaults(), 0, {}, {}, {}},

    // --- hysteresis
    {"drain refused when the rest would need a scale-up",
     {Master(44), Active("s1", 44), Active("s2", 5)}, 0,
     With([](PolicyConfig& c) { c.spare_stages = 0; }), 0, {}, {}, {}},
    {"drain refused when demand wants every stage", {Master(40), Active("s1", 40), Active("s2", 5)},
     0, Defaults(), 0, {}, {}, {}},
    {"drain allowed when the rest absorbs the viewers",
     {Master(10), Active("s1", 10), Active("s2", 5)}, 0,
     With([](PolicyConfig& c) { c.spare_stages = 0; }), 0, {"s2"}, {}, {}},

    {"stage created through the API is never drained",
     {Master(0), Active("s1", 0), StageView{.arn = "api", .pinned = true, .age = seconds(100000)}},
     0, Defaults(), 0, {"s1"}, {}, {}},

    // --- delete
    {"empty draining stage is deleted", {Master(0), Active("s1", 0, 10), Draining("d1", 0, 1)}, 0,
     Defaults(), 0, {}, {}, {"d1"}},
    {"draining stage with viewers waits", {Master(0), Active("s1", 0, 10), Draining("d1", 2, 299)},
     0, Defaults(), 0, {}, {}, {}},
    {"drain timeout deletes a stage with viewers",
     {Master(0), Active("s1", 0, 10), Draining("d1", 2, 300)}, 0, Defaults(), 0, {}, {}, {"d1"}},
    {"master never deleted even when quiet for long", {Master(0)}, 0,
     With([](PolicyConfig& c) { c.spare_stages = 0; c.warmup = seconds(0); }), 0, {}, {}, {}},
};

INSTANTIATE_TEST_SUITE_P(Autoscaler, PolicyTable, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                             std::string n;
                             for (char ch : info.param.name) n += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                             return n;
                         });

TEST(AutoscalerPolicy, MasterNeverInAnyRemovalList) {
    // Sweep many shapes; the master must never be drained or removed.
    for (int master_viewers = 0; master_viewers <= 50; master_viewers += 5) {
        for (int others = 0; others <= 3; ++others) {
            std::vector<StageView> stages{Master(master_viewers)};
            for (int i = 0; i < others; ++i) stages.push_back(Active(Name("s", i), i));
            auto d = Decide({stages, 0}, With([](PolicyConfig& c) {
                                c.spare_stages = 0;
                                c.warmup = seconds(0);
                            }));
            EXPECT_EQ(std::count(d.drain.begin(), d.drain.end(), "master"), 0);
            EXPECT_EQ(std::count(d.remove.begin(), d.remove.end(), "master"), 0);
        }
    }
}

TEST(AutoscalerPolicy, ConvergesWithoutThrash) {
    // Apply decisions to a simulated fleet with constant demand: after it settles, the next
    // decision must be empty (no create/drain cycle).
    PolicyConfig cfg = With([](PolicyConfig& c) { c.warmup = seconds(0); c.drain_timeout = seconds(0); });
    for (int demand : {0, 1, 44, 45, 46, 90, 91, 200, 449, 900}) {
        std::vector<StageView> stages{Master(0)};
        int next_id = 0;
        Decision d;
        for (int round = 0; round < 50; ++round) {
            // Seat the demand evenly over active stages, capped at capacity.
            std::vector<StageView*> act;
            for (auto& s : stages) { s.viewers = 0; if (!s.draining) act.push_back(&s); }
            for (int v = 0; v < demand; ++v) {
                auto* best = *std::min_element(act.begin(), act.end(), [](auto* a, auto* b) { return a->viewers < b->viewers; });
                if (best->viewers >= cfg.capacity) break;
                ++best->viewers;
            }
            d = Decide({stages, 0}, cfg);
            if (d.Empty()) break;
            for (int i = 0; i < d.create; ++i) stages.push_back(Active(Name("n", next_id++), 0, 1000));
            for (auto& s : stages) {
                if (std::count(d.drain.begin(), d.drain.end(), s.arn)) { s.draining = true; s.draining_for = seconds(0); }
                if (std::count(d.undrain.begin(), d.undrain.end(), s.arn)) { s.draining = false; s.draining_for.reset(); }
            }
            std::erase_if(stages, [&](const StageView& s) { return std::count(d.remove.begin(), d.remove.end(), s.arn) > 0; });
        }
        EXPECT_TRUE(d.Empty()) << "demand " << demand << " did not settle: " << d.reason;
        int active = 0;
        for (auto& s : stages) active += s.draining ? 0 : 1;
        int want = std::min(cfg.max_stages, std::max(1, (demand + 44) / 45) + cfg.spare_stages);
        EXPECT_EQ(active, want) << "demand " << demand;
    }
}

// Runs the policy every 5 s for `seconds_total` over a simulated fleet, the audience given per
// second, seated evenly over the active stages (a draining stage's viewers move at once), with
// the recent peak over the warm-up as the runner computes it. Returns CreateStage + DeleteStage.
struct Calls {
    int creates = 0;
    int deletes = 0;
    int active_at_end = 0;
};
Calls Simulate(const PolicyConfig& cfg, int seconds_total, const std::function<int(int)>& audience,
               bool peak_hold) {
    std::vector<StageView> stages{Master(0), Active("spare", 0, 0)};
    std::vector<std::pair<int, int>> window;  // (t, demand)
    Calls calls;
    int next_id = 0;
    for (int t = 0; t < seconds_total; t += 5) {
        const int demand = audience(t);
        std::vector<StageView*> act;
        for (auto& s : stages) {
            s.viewers = 0;
            s.age += seconds(5);
            if (s.draining) s.draining_for = s.draining_for.value_or(seconds(0)) + seconds(5);
            if (!s.draining) act.push_back(&s);
        }
        for (int v = 0; v < demand; ++v) {
            auto* best = *std::min_element(act.begin(), act.end(),
                                           [](auto* a, auto* b) { return a->viewers < b->viewers; });
            if (best->viewers >= cfg.capacity) break;
            ++best->viewers;
        }
        window.emplace_back(t, demand);
        std::erase_if(window, [&](const auto& w) { return t - w.first > cfg.warmup.count(); });
        PolicyInput in{stages, 0};
        for (const auto& w : window) in.recent_peak = std::max(in.recent_peak, peak_hold ? w.second : 0);
        Decision d = Decide(in, cfg);
        calls.creates += d.create;
        calls.deletes += static_cast<int>(d.remove.size());
        for (int i = 0; i < d.create; ++i) stages.push_back(Active(Name("n", next_id++), 0, 0));
        for (auto& s : stages) {
            if (std::count(d.drain.begin(), d.drain.end(), s.arn)) s.draining = true;
            if (std::count(d.undrain.begin(), d.undrain.end(), s.arn)) {
                s.draining = false;
                s.draining_for.reset();
            }
        }
        std::erase_if(stages, [&](const StageView& s) {
            return std::count(d.remove.begin(), d.remove.end(), s.arn) > 0;
        });
    }
    for (const auto& s : stages) calls.active_at_end += s.draining ? 0 : 1;
    return calls;
}

TEST(AutoscalerPolicy, AnAudienceSwingingFasterThanTheWarmUpKeepsItsStages) {
    // 10 <-> 60 viewers every minute for two hours, then 5 viewers for 20 minutes. The bound:
    // stages are drained only when the peak of the last STAGE_WARMUP_SECONDS no longer needs
    // them, so the swing costs the creations its peak needs (60 viewers: 2 + 1 spare, one more
    // than at start) and the drop one delete per stage it frees, once: 1 + 1 calls in all.
    const PolicyConfig cfg = Defaults();
    auto swing = [](int t) { return t >= 7200 ? 5 : (t / 60) % 2 ? 60 : 10; };
    Calls held = Simulate(cfg, 7200 + 1200, swing, true);
    EXPECT_EQ(held.creates, 1);
    EXPECT_EQ(held.deletes, 1);
    EXPECT_EQ(held.active_at_end, 2);  // back to the master and its spare
    // Without the peak (current demand only) the same swing would create and delete a stage
    // once per warm-up period: what the peak rule removes.
    Calls current = Simulate(cfg, 7200 + 1200, swing, false);
    EXPECT_GT(current.creates + current.deletes, 10);
}

TEST(AutoscalerPolicy, WaitingJoinsAndExpectedArrivalsAskForStagesAndBlockDrains) {
    // Two full stages and 60 joins waiting: ceil((100 + 60) / 45) + 1 spare = 5 active wanted.
    PolicyInput in{{Master(50), Active("s1", 50)}, 0};
    in.waiting_joins = 60;
    EXPECT_EQ(Decide(in, Defaults()).create, 3);
    // Pre-warming: 90 joins expected during one CreateStage, nobody waiting yet.
    PolicyInput warm{{Master(10), Active("s1", 10)}, 0};
    warm.expected_arrivals = 90;
    EXPECT_EQ(Decide(warm, Defaults()).create, 2);
    // An old quiet stage is not drained while joins wait for seats.
    PolicyInput quiet{{Master(3), Active("s1", 0), Active("s2", 2)}, 0};
    quiet.waiting_joins = 1;
    EXPECT_TRUE(Decide(quiet, Defaults()).drain.empty());
}

}  // namespace
}  // namespace ivs::autoscaler
