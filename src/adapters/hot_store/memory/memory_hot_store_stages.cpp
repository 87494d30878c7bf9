// Stage registry and seating of the in-process hot store.

#include <algorithm>

#include "adapters/hot_store/memory/memory_hot_store_state.hpp"

namespace ivs::adapters::memory_detail {

Async<void> MemoryHotStore::UpsertStage(StageRecord record) {
    std::lock_guard lock(mu_);
    StageSlot* slot = FindStage(record.arn);
    if (!slot) slot = AllocateStage(record.arn);
    slot->record = std::move(record);
    co_return Ok();
}

Async<void> MemoryHotStore::SetStageState(std::string arn, StageState state,
                                          std::optional<SystemTime> draining_since) {
    std::lock_guard lock(mu_);
    StageSlot* slot = FindStage(arn);
    if (!slot) co_return Error(Errc::not_found, "Stage not found");
    slot->record.state = state;
    slot->record.draining_since = draining_since;
    co_return Ok();
}

Async<std::vector<ViewerSession>> MemoryHotStore::RemoveStage(std::string arn, SystemTime,
                                                              SystemTime) {
    std::lock_guard lock(mu_);
    std::vector<ViewerSession> ended;
    auto it = stage_by_arn_.find(arn);
    if (it == stage_by_arn_.end()) co_return ended;
    const std::uint32_t index = it->second;
    StageSlot& slot = *stages_[index];
    while (!slot.sessions.empty()) {
        SessionNode* node = &*slot.sessions.begin();
        ended.push_back(View(*node));
        Remove(node);
    }
    stage_by_arn_.erase(it);
    stages_[index].reset();
    free_slots_.push_back(index);
    co_return ended;
}

Async<StageRecord> MemoryHotStore::GetStage(std::string arn, SystemTime cutoff) {
    std::lock_guard lock(mu_);
    const StageSlot* slot = FindStage(arn);
    if (!slot) co_return Error(Errc::not_found, "Stage not found");
    co_return Record(*slot, ToRep(cutoff));
}

Async<std::vector<StageRecord>> MemoryHotStore::ListStages(SystemTime cutoff) {
    std::lock_guard lock(mu_);
    co_return AllStages(ToRep(cutoff));
}

Async<void> MemoryHotStore::SetPendingStageCreations(int count, SystemTime until) {
    std::lock_guard lock(mu_);
    pending_creations_ = count;
    pending_until_ = until;
    co_return Ok();
}

StageSlot* MemoryHotStore::AllocateStage(const std::string& arn) {
    std::uint32_t index;
    if (!free_slots_.empty()) {
        index = free_slots_.back();
        free_slots_.pop_back();
    } else {
        index = static_cast<std::uint32_t>(stages_.size());
        stages_.emplace_back();
    }
    stages_[index] = std::make_unique<StageSlot>();
    stages_[index]->record.arn = arn;
    stages_[index]->index = index;
    stages_[index]->seq = next_seq_++;
    stage_by_arn_.emplace(arn, index);
    return stages_[index].get();
}

std::vector<StageRecord> MemoryHotStore::AllStages(Rep cutoff) const {
    std::vector<const StageSlot*> slots;
    for (const auto& s : stages_) {
        if (s) slots.push_back(s.get());
    }
    std::sort(slots.begin(), slots.end(),
              [](const StageSlot* a, const StageSlot* b) { return a->seq < b->seq; });
    std::vector<StageRecord> out;
    out.reserve(slots.size());
    for (const auto* s : slots) out.push_back(Record(*s, cutoff));
    return out;
}

Async<SeatResult> MemoryHotStore::Seat(SeatRequest request) { co_return SeatLocked(request); }

StageSlot* MemoryHotStore::ChooseStage(Rep cutoff, int capacity, int threshold) {
    StageSlot* below_threshold = nullptr;
    int below_threshold_count = 0;
    StageSlot* below_capacity = nullptr;
    int below_capacity_count = 0;
    auto better = [](StageSlot* current, int current_count, StageSlot* candidate, int count) {
        return !current || count < current_count ||
               (count == current_count && candidate->seq < current->seq);
    };
    for (auto& slot : stages_) {
        if (!slot || slot->record.state != StageState::active) continue;
        const int n = LiveCount(*slot, cutoff);
        if (n < threshold && better(below_threshold, below_threshold_count, slot.get(), n)) {
            below_threshold = slot.get();
            below_threshold_count = n;
        }
        if (n < capacity && better(below_capacity, below_capacity_count, slot.get(), n)) {
            below_capacity = slot.get();
            below_capacity_count = n;
        }
    }
    return below_threshold ? below_threshold : below_capacity;
}

Result<SeatResult> MemoryHotStore::SeatLocked(const SeatRequest& request) {
    std::lock_guard lock(mu_);
    const Rep now = ToRep(request.now);
    const Rep cutoff = ToRep(request.cutoff);
    if (request.require_live_publisher && !(publisher_ && publisher_->live)) {
        return Error(Errc::not_found, "The broadcast is not live");
    }
    SessionNode* current = FindSession(request.user_id);
    const bool current_live = current && current->heartbeat >= cutoff;

    // Decide first, change nothing until the seat is certain: a refused seat leaves every
    // session (even an expired one) as it was.
    StageSlot* target = nullptr;
    bool keep = false;
    if (!request.requested_stage.empty()) {
        target = FindStage(request.requested_stage);
        if (!target) return Error(Errc::not_found, "Stage is not managed by this server");
        if (current_live && stages_[current->stage].get() == target) {
            keep = true;
        } else if (target->record.state != StageState::active) {
            return Error(Errc::stage_full, ports::StageDrainingMessage(request.requested_stage));
        } else if (LiveCount(*target, cutoff) >= request.capacity) {
            return Error(Errc::stage_full, ports::StageFullMessage(request.requested_stage));
        }
    } else if (current_live && stages_[current->stage]->record.state == StageState::active) {
        keep = true;
    } else {
        target = ChooseStage(cutoff, request.capacity, request.scale_up_threshold);
        if (!target) {
            if (!current_live) return Error(Errc::stage_full, "All stages are full");
            keep = true;  // its stage is draining, but there is nowhere better to go
        }
    }

    SeatResult result;
    if (keep) {
        Detach(*current);
        current->heartbeat = std::max(current->heartbeat, now);
        Attach(*current);
        if (!request.participant_id.empty()) current->participant_id.Assign(request.participant_id);
        result.outcome = SeatResult::Outcome::kept;
        result.session = View(*current);
        result.stage_viewers = LiveCount(*stages_[current->stage], cutoff);
        return result;
    }

    SessionNode* node = current;
    if (node) {
        result.ended = View(*node);
        result.outcome = current_live ? SeatResult::Outcome::moved : SeatResult::Outcome::seated;
        Detach(*node);
    } else {
        auto owned = std::make_unique<SessionNode>();
        owned->user_id = request.user_id;
        node = owned.get();
        sessions_.emplace(std::string_view(node->user_id), std::move(owned));
        result.outcome = SeatResult::Outcome::seated;
    }
    node->stage = target->index;
    node->joined = now;
    node->heartbeat = now;
    node->session_id.Assign(request.new_session_id);
    node->participant_id.Assign(request.participant_id);
    Attach(*node);
    result.session = View(*node);
    result.stage_viewers = LiveCount(*target, cutoff);
    return result;
}

}  // namespace ivs::adapters::memory_detail
