#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace ivs::autoscaler {

// One managed stage as the policy sees it.
struct StageView {
    std::string arn;
    bool is_master = false;
    bool pinned = false;  // created through the API: counted, never drained by the policy
    bool draining = false;
    int viewers = 0;
    std::chrono::seconds age{0};                        // since the stage was created
    std::optional<std::chrono::seconds> draining_for;  // since it started draining
};

struct PolicyConfig {
    int capacity = 50;              // STAGE_CAPACITY
    int scale_up_threshold = 45;    // SCALE_UP_THRESHOLD
    int scale_down_threshold = 5;   // SCALE_DOWN_THRESHOLD
    int spare_stages = 1;           // SPARE_STAGES
    int max_stages = 20;            // MAX_STAGES, master included
    std::chrono::seconds warmup{300};         // STAGE_WARMUP_SECONDS
    std::chrono::seconds drain_timeout{300};  // DRAIN_TIMEOUT_SECONDS
};

struct PolicyInput {
    std::vector<StageView> stages;
    int pending_creations = 0;  // stages being created right now (count as empty active stages)
    int waiting_joins = 0;      // joins waiting for a seat (every instance)
    int expected_arrivals = 0;  // joins expected while one CreateStage runs (pre-warming)
    // Highest audience (viewers + waiting joins) over the last STAGE_WARMUP_SECONDS; below the
    // current demand (e.g. unknown) the current demand is used. Scale-down keeps the stages
    // this peak wants, so an audience swinging faster than the warm-up never drains a stage.
    int recent_peak = 0;
};

// Active stages wanted for `demand` seats: max(1, ceil(demand / threshold)) + SPARE_STAGES.
int DesiredActive(int demand, const PolicyConfig& config);

// What to do in this tick. Stages named in one list never appear in another.
struct Decision {
    int create = 0;                    // new stages to create
    std::vector<std::string> undrain;  // draining stages put back into service
    std::vector<std::string> drain;    // active stages to stop seating into
    std::vector<std::string> remove;   // draining stages to delete
    std::string reason;                // one line for the log; empty when nothing to do

    bool Empty() const { return create == 0 && undrain.empty() && drain.empty() && remove.empty(); }
};

// The autoscaling policy, a pure function (no I/O, no clock).
//
// Demand is every viewer in every managed stage (viewers of a draining stage still need a seat
// somewhere), plus the joins waiting for a seat and the joins expected while a CreateStage runs.
// The policy wants `DesiredActive(demand)` active stages, so the spare stages are ready before
// anyone waits for CreateStage, and at least one more active stage than now when every active
// stage is at or above the threshold.
//   - Missing stages are covered first by undraining draining stages (most viewers first), then
//     by creating new ones, never above MAX_STAGES counting active, draining and pending stages.
//   - A draining stage is deleted once it is empty or has drained for DRAIN_TIMEOUT.
//   - An active non-master stage older than the warm-up with at most SCALE_DOWN_THRESHOLD
//     viewers is drained only when the remaining active stages still satisfy the scale-up rule
//     above for the recent peak demand (hysteresis: a drain never causes a scale-up, and an
//     audience that swings back within the warm-up keeps its stages), and never while creations
//     are pending or joins are waiting.
//   - The master is never drained or deleted; a master found draining is undrained. Pinned
//     stages (created through the API) are never drained either.
Decision Decide(const PolicyInput& input, const PolicyConfig& config);

}  // namespace ivs::autoscaler
