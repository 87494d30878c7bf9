#include "adapters/hot_store/memory/memory_hot_store.hpp"

#include <algorithm>

#include "adapters/hot_store/memory/memory_hot_store_state.hpp"

namespace ivs::adapters {
namespace memory_detail {

MemoryHotStore::~MemoryHotStore() {
    std::lock_guard lock(mu_);
    for (auto& slot : stages_) {
        if (slot) slot->sessions.clear();
    }
    by_heartbeat_.clear();
}

Async<SystemTime> MemoryHotStore::Heartbeat(std::string user_id, std::string stage_arn,
                                            std::string session_id, SystemTime now,
                                            SystemTime cutoff) {
    std::lock_guard lock(mu_);
    SessionNode* node = FindSession(user_id);
    const StageSlot* stage = FindStage(stage_arn);
    if (!node || !stage || stages_[node->stage].get() != stage || node->heartbeat < ToRep(cutoff) ||
        (!session_id.empty() && !node->session_id.Equals(session_id))) {
        co_return Error(Errc::not_found, "Viewer session not found");
    }
    Detach(*node);
    node->heartbeat = std::max(node->heartbeat, ToRep(now));
    Attach(*node);
    co_return FromRep(node->heartbeat);
}

Async<std::optional<ViewerSession>> MemoryHotStore::Leave(std::string user_id,
                                                          std::string stage_arn,
                                                          std::string session_id, SystemTime,
                                                          SystemTime) {
    std::lock_guard lock(mu_);
    SessionNode* node = FindSession(user_id);
    const StageSlot* stage = FindStage(stage_arn);
    if (!node || !stage || stages_[node->stage].get() != stage ||
        (!session_id.empty() && !node->session_id.Equals(session_id))) {
        co_return std::optional<ViewerSession>{};
    }
    ViewerSession ended = View(*node);
    Remove(node);
    co_return std::optional<ViewerSession>(std::move(ended));
}

Async<void> MemoryHotStore::SetParticipant(std::string user_id, std::string session_id,
                                           std::string participant_id, std::string, std::string) {
    std::lock_guard lock(mu_);
    SessionNode* node = FindSession(user_id);
    if (!node || !node->session_id.Equals(session_id)) {
        co_return Error(Errc::not_found, "Viewer session not found");
    }
    node->participant_id.Assign(participant_id);
    co_return Ok();
}

Async<std::optional<ViewerSession>> MemoryHotStore::GetSession(std::string user_id,
                                                               SystemTime cutoff) {
    std::lock_guard lock(mu_);
    SessionNode* node = FindSession(user_id);
    if (!node || node->heartbeat < ToRep(cutoff)) co_return std::optional<ViewerSession>{};
    co_return std::optional<ViewerSession>(View(*node));
}

Async<std::vector<ViewerSession>> MemoryHotStore::ListViewers(std::string stage_arn,
                                                              SystemTime cutoff,
                                                              std::size_t limit) {
    std::lock_guard lock(mu_);
    std::vector<ViewerSession> out;
    const StageSlot* stage = FindStage(stage_arn);
    if (!stage) co_return out;
    const Rep c = ToRep(cutoff);
    // Most recent heartbeat first; stop at the expired front.
    for (auto it = stage->sessions.rbegin();
         it != stage->sessions.rend() && it->heartbeat >= c && out.size() < limit; ++it) {
        out.push_back(View(*it));
    }
    co_return out;
}

Async<std::vector<ViewerSession>> MemoryHotStore::ExpireSessions(SystemTime cutoff,
                                                                 std::size_t limit) {
    std::lock_guard lock(mu_);
    std::vector<ViewerSession> out;
    const Rep c = ToRep(cutoff);
    while (out.size() < limit && !by_heartbeat_.empty() && by_heartbeat_.begin()->heartbeat < c) {
        SessionNode* node = &*by_heartbeat_.begin();
        out.push_back(View(*node));
        Remove(node);
    }
    co_return out;
}

Async<void> MemoryHotStore::SetPublisher(PublisherState state) {
    std::lock_guard lock(mu_);
    publisher_ = std::move(state);
    co_return Ok();
}

Async<std::optional<PublisherState>> MemoryHotStore::GetPublisher() {
    std::lock_guard lock(mu_);
    co_return publisher_;
}

Async<void> MemoryHotStore::PutReplication(ReplicationRecord record) {
    std::lock_guard lock(mu_);
    auto key = record.destination_stage_arn;
    replications_[key] = std::move(record);
    co_return Ok();
}

Async<void> MemoryHotStore::RemoveReplication(std::string destination_stage_arn) {
    std::lock_guard lock(mu_);
    replications_.erase(destination_stage_arn);
    co_return Ok();
}

Async<std::vector<ReplicationRecord>> MemoryHotStore::ListReplications() {
    std::lock_guard lock(mu_);
    std::vector<ReplicationRecord> out;
    out.reserve(replications_.size());
    for (const auto& [_, r] : replications_) out.push_back(r);
    co_return out;
}

Async<bool> MemoryHotStore::MarkOnce(std::string key, std::chrono::seconds ttl) {
    std::lock_guard lock(mu_);
    const SteadyTime now = clock_.Steady();
    PruneMarks(now);
    if (marks_.count(key)) co_return false;
    if (marks_.size() >= kMaxMarks) {
        // Full of live keys: forget the one closest to expiring.
        auto oldest = mark_expiry_.begin();
        marks_.erase(oldest->second);
        mark_expiry_.erase(oldest);
    }
    const SteadyTime expires = now + ttl;
    marks_.emplace(key, expires);
    mark_expiry_.emplace(expires, std::move(key));
    co_return true;
}

Async<HotSnapshot> MemoryHotStore::Snapshot(SystemTime now, SystemTime cutoff) {
    std::lock_guard lock(mu_);
    HotSnapshot snap;
    snap.stages = AllStages(ToRep(cutoff));
    snap.publisher = publisher_;
    snap.pending_stage_creations = now < pending_until_ ? pending_creations_ : 0;
    co_return snap;
}

void MemoryHotStore::PruneMarks(SteadyTime now) {
    while (!mark_expiry_.empty() && mark_expiry_.begin()->first <= now) {
        auto it = marks_.find(mark_expiry_.begin()->second);
        if (it != marks_.end() && it->second == mark_expiry_.begin()->first) marks_.erase(it);
        mark_expiry_.erase(mark_expiry_.begin());
    }
}

}  // namespace memory_detail

std::shared_ptr<ports::HotStore> MakeMemoryHotStore(const Clock& clock) {
    return std::make_shared<memory_detail::MemoryHotStore>(clock);
}

}  // namespace ivs::adapters
