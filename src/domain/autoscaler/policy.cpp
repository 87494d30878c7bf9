#include "domain/autoscaler/policy.hpp"

#include <algorithm>
#include <set>

namespace ivs::autoscaler {
namespace {

int CeilDiv(int a, int b) { return (a + b - 1) / b; }

}  // namespace

int DesiredActive(int demand, const PolicyConfig& config) {
    const int threshold = std::max(1, config.scale_up_threshold);
    return std::max(1, CeilDiv(std::max(0, demand), threshold)) + std::max(0, config.spare_stages);
}

Decision Decide(const PolicyInput& input, const PolicyConfig& config) {
    Decision d;
    const int threshold = std::max(1, config.scale_up_threshold);
    const int pending = std::max(0, input.pending_creations);
    const int waiting = std::max(0, input.waiting_joins);
    auto wanted_for = [&](int viewers) { return DesiredActive(viewers, config); };

    int total_viewers = 0;
    std::vector<const StageView*> active;
    std::vector<const StageView*> draining;
    for (const auto& s : input.stages) {
        total_viewers += std::max(0, s.viewers);
        if (s.draining && s.is_master) {
            d.undrain.push_back(s.arn);
            active.push_back(&s);
        } else if (s.draining) {
            draining.push_back(&s);
        } else {
            active.push_back(&s);
        }
    }

    int active_count = static_cast<int>(active.size()) + pending;
    const bool all_at_threshold =
        pending == 0 && !active.empty() &&
        std::all_of(active.begin(), active.end(),
                    [&](const StageView* s) { return s->viewers >= threshold; });
    const int demand = total_viewers + waiting + std::max(0, input.expected_arrivals);
    int desired = wanted_for(demand);
    if (all_at_threshold) desired = std::max(desired, active_count + 1);
    int missing = std::max(0, desired - active_count);
    const bool scaling_up = missing > 0;

    // Putting a draining stage back costs no IVS call and keeps its viewers where they are.
    std::sort(draining.begin(), draining.end(),
              [](const StageView* a, const StageView* b) { return a->viewers > b->viewers; });
    std::set<std::string> undrained;
    for (const auto* s : draining) {
        if (missing == 0) break;
        d.undrain.push_back(s->arn);
        undrained.insert(s->arn);
        --missing;
        ++active_count;
    }

    const int existing = static_cast<int>(input.stages.size()) + pending;
    d.create = std::min(missing, std::max(0, config.max_stages - existing));

    for (const auto* s : draining) {
        if (undrained.count(s->arn)) continue;
        const auto drained_for = s->draining_for.value_or(std::chrono::seconds(0));
        if (s->viewers <= 0 || drained_for >= config.drain_timeout) d.remove.push_back(s->arn);
    }

    if (!scaling_up && pending == 0 && waiting == 0) {
        std::vector<const StageView*> candidates;
        for (const auto* s : active) {
            if (s->is_master || s->pinned || s->age < config.warmup) continue;
            if (s->viewers > config.scale_down_threshold) continue;
            candidates.push_back(s);
        }
        std::sort(candidates.begin(), candidates.end(),
                  [](const StageView* a, const StageView* b) {
                      if (a->viewers != b->viewers) return a->viewers < b->viewers;
                      return a->age < b->age;
                  });
        std::set<std::string> drained;
        const int wanted = wanted_for(std::max(demand, input.recent_peak));
        for (const auto* c : candidates) {
            const int remaining = static_cast<int>(active.size() - drained.size()) - 1;
            if (remaining < wanted) break;
            // The drained stage's viewers will look for seats in the remaining stages; at least
            // one seat below the threshold must be left, or the next tick would scale up again.
            int headroom = 0;
            for (const auto* s : active) {
                if (s == c || drained.count(s->arn)) continue;
                headroom += std::max(0, threshold - s->viewers);
            }
            if (headroom <= c->viewers) continue;
            drained.insert(c->arn);
            d.drain.push_back(c->arn);
        }
    }

    if (!d.Empty()) {
        d.reason = "viewers=" + std::to_string(total_viewers) +
                   " waiting=" + std::to_string(waiting) +
                   " active=" + std::to_string(active.size()) +
                   " draining=" + std::to_string(draining.size()) +
                   " pending=" + std::to_string(pending) + " wanted=" + std::to_string(desired);
    }
    return d;
}

}  // namespace ivs::autoscaler
