#include "adapters/hot_store/memory/memory_hot_store.hpp"

#include <boost/intrusive/set.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_map>

#include "adapters/hot_store/memory/compact_id.hpp"

namespace ivs::adapters {
namespace {

namespace bi = boost::intrusive;
using ports::HotSnapshot;
using ports::PublisherState;
using ports::ReplicationRecord;
using ports::SeatRequest;
using ports::SeatResult;
using ports::StageRecord;
using ports::StageState;
using ports::ViewerSession;
using Rep = SystemTime::duration::rep;

Rep ToRep(SystemTime t) { return t.time_since_epoch().count(); }
SystemTime FromRep(Rep r) { return SystemTime(SystemTime::duration(r)); }

// Hooks live inside the session, so the ordered indexes cost no allocation of their own.
using Hook = bi::set_member_hook<bi::optimize_size<true>>;

struct SessionNode {
    Hook by_heartbeat;
    Hook in_stage;
    std::string user_id;
    Rep joined = 0;
    Rep heartbeat = 0;
    std::uint32_t stage = 0;
    CompactId session_id;
    CompactId participant_id;
};

struct HeartbeatOrder {
    bool operator()(const SessionNode& a, const SessionNode& b) const {
        return a.heartbeat < b.heartbeat;
    }
};

using GlobalIndex =
    bi::multiset<SessionNode, bi::member_hook<SessionNode, Hook, &SessionNode::by_heartbeat>,
                 bi::compare<HeartbeatOrder>>;
using StageIndex =
    bi::multiset<SessionNode, bi::member_hook<SessionNode, Hook, &SessionNode::in_stage>,
                 bi::compare<HeartbeatOrder>>;

struct StageSlot {
    std::string arn;
    std::string name;
    bool is_master = false;
    bool auto_scaled = false;
    StageState state = StageState::active;
    SystemTime created_at;
    std::optional<SystemTime> draining_since;
    std::uint64_t seq = 0;  // registration order, the tie-breaker when loads are equal
    StageIndex sessions;
};

// Sessions whose heartbeat is older than `cutoff` sit at the front of the stage index, and the
// sweeper keeps that front short, so this walks only the expired few.
int LiveCount(const StageSlot& s, Rep cutoff) {
    std::size_t expired = 0;
    for (auto it = s.sessions.begin(); it != s.sessions.end() && it->heartbeat < cutoff; ++it) {
        ++expired;
    }
    return static_cast<int>(s.sessions.size() - expired);
}

class MemoryHotStore final : public ports::HotStore {
public:
    explicit MemoryHotStore(const Clock& clock) : clock_(clock) {}

    ~MemoryHotStore() override {
        std::lock_guard lock(mu_);
        for (auto& slot : stages_) {
            if (slot) slot->sessions.clear();
        }
        by_heartbeat_.clear();
    }

    Async<SeatResult> Seat(SeatRequest request) override {
        co_return SeatLocked(request);
    }

    Async<ViewerSession> Heartbeat(std::string user_id, std::string stage_arn,
                                   std::string session_id, SystemTime now,
                                   SystemTime cutoff) override {
        std::lock_guard lock(mu_);
        SessionNode* node = FindSession(user_id);
        const StageSlot* stage = FindStage(stage_arn);
        if (!node || !stage || stages_[node->stage].get() != stage ||
            node->heartbeat < ToRep(cutoff) ||
            (!session_id.empty() && !node->session_id.Equals(session_id))) {
            co_return Error(Errc::not_found, "Viewer session not found");
        }
        Detach(*node);
        node->heartbeat = std::max(node->heartbeat, ToRep(now));
        Attach(*node);
        co_return View(*node);
    }

    Async<std::optional<ViewerSession>> Leave(std::string user_id, std::string stage_arn,
                                              std::string session_id, SystemTime,
                                              SystemTime) override {
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

    Async<void> SetParticipant(std::string user_id, std::string session_id,
                               std::string participant_id, std::string,
                               std::string) override {
        std::lock_guard lock(mu_);
        SessionNode* node = FindSession(user_id);
        if (!node || !node->session_id.Equals(session_id)) {
            co_return Error(Errc::not_found, "Viewer session not found");
        }
        node->participant_id.Assign(participant_id);
        co_return Ok();
    }

    Async<std::optional<ViewerSession>> GetSession(std::string user_id,
                                                   SystemTime cutoff) override {
        std::lock_guard lock(mu_);
        SessionNode* node = FindSession(user_id);
        if (!node || node->heartbeat < ToRep(cutoff)) co_return std::optional<ViewerSession>{};
        co_return std::optional<ViewerSession>(View(*node));
    }

    Async<std::vector<ViewerSession>> ListViewers(std::string stage_arn, SystemTime cutoff,
                                                  std::size_t limit) override {
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

    Async<std::vector<ViewerSession>> ExpireSessions(SystemTime cutoff,
                                                     std::size_t limit) override {
        std::lock_guard lock(mu_);
        std::vector<ViewerSession> out;
        const Rep c = ToRep(cutoff);
        while (out.size() < limit && !by_heartbeat_.empty() &&
               by_heartbeat_.begin()->heartbeat < c) {
            SessionNode* node = &*by_heartbeat_.begin();
            out.push_back(View(*node));
            Remove(node);
        }
        co_return out;
    }

    Async<void> UpsertStage(StageRecord record) override {
        std::lock_guard lock(mu_);
        StageSlot* slot = FindStage(record.arn);
        if (!slot) slot = AllocateStage(record.arn);
        slot->name = std::move(record.name);
        slot->is_master = record.is_master;
        slot->auto_scaled = record.auto_scaled;
        slot->state = record.state;
        slot->created_at = record.created_at;
        slot->draining_since = record.draining_since;
        co_return Ok();
    }

    Async<void> SetStageState(std::string arn, StageState state,
                              std::optional<SystemTime> draining_since) override {
        std::lock_guard lock(mu_);
        StageSlot* slot = FindStage(arn);
        if (!slot) co_return Error(Errc::not_found, "Stage not found");
        slot->state = state;
        slot->draining_since = draining_since;
        co_return Ok();
    }

    Async<std::vector<ViewerSession>> RemoveStage(std::string arn, SystemTime,
                                                  SystemTime) override {
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

    Async<StageRecord> GetStage(std::string arn, SystemTime cutoff) override {
        std::lock_guard lock(mu_);
        const StageSlot* slot = FindStage(arn);
        if (!slot) co_return Error(Errc::not_found, "Stage not found");
        co_return Record(*slot, ToRep(cutoff));
    }

    Async<std::vector<StageRecord>> ListStages(SystemTime cutoff) override {
        std::lock_guard lock(mu_);
        co_return AllStages(ToRep(cutoff));
    }

    Async<void> SetPendingStageCreations(int count, SystemTime until) override {
        std::lock_guard lock(mu_);
        pending_creations_ = count;
        pending_until_ = until;
        co_return Ok();
    }

    Async<void> SetPublisher(PublisherState state) override {
        std::lock_guard lock(mu_);
        publisher_ = std::move(state);
        co_return Ok();
    }

    Async<std::optional<PublisherState>> GetPublisher() override {
        std::lock_guard lock(mu_);
        co_return publisher_;
    }

    Async<void> PutReplication(ReplicationRecord record) override {
        std::lock_guard lock(mu_);
        auto key = record.destination_stage_arn;
        replications_[key] = std::move(record);
        co_return Ok();
    }

    Async<void> RemoveReplication(std::string destination_stage_arn) override {
        std::lock_guard lock(mu_);
        replications_.erase(destination_stage_arn);
        co_return Ok();
    }

    Async<std::vector<ReplicationRecord>> ListReplications() override {
        std::lock_guard lock(mu_);
        std::vector<ReplicationRecord> out;
        out.reserve(replications_.size());
        for (const auto& [_, r] : replications_) out.push_back(r);
        co_return out;
    }

    Async<bool> MarkOnce(std::string key, std::chrono::seconds ttl) override {
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

    Async<HotSnapshot> Snapshot(SystemTime now, SystemTime cutoff) override {
        std::lock_guard lock(mu_);
        HotSnapshot snap;
        snap.stages = AllStages(ToRep(cutoff));
        snap.publisher = publisher_;
        snap.pending_stage_creations = now < pending_until_ ? pending_creations_ : 0;
        co_return snap;
    }

    Async<void> Ping() override { co_return Ok(); }

private:
    static constexpr std::size_t kMaxMarks = 100000;

    Result<SeatResult> SeatLocked(const SeatRequest& request);
    StageSlot* ChooseStage(Rep cutoff, int capacity, int threshold);

    SessionNode* FindSession(std::string_view user_id) const {
        auto it = sessions_.find(user_id);
        return it == sessions_.end() ? nullptr : it->second.get();
    }
    StageSlot* FindStage(const std::string& arn) const {
        auto it = stage_by_arn_.find(arn);
        return it == stage_by_arn_.end() ? nullptr : stages_[it->second].get();
    }
    std::uint32_t IndexOf(const std::string& arn) const { return stage_by_arn_.at(arn); }

    StageSlot* AllocateStage(const std::string& arn) {
        std::uint32_t index;
        if (!free_slots_.empty()) {
            index = free_slots_.back();
            free_slots_.pop_back();
        } else {
            index = static_cast<std::uint32_t>(stages_.size());
            stages_.emplace_back();
        }
        stages_[index] = std::make_unique<StageSlot>();
        stages_[index]->arn = arn;
        stages_[index]->seq = next_seq_++;
        stage_by_arn_.emplace(arn, index);
        return stages_[index].get();
    }

    void Attach(SessionNode& node) {
        by_heartbeat_.insert(node);
        stages_[node.stage]->sessions.insert(node);
    }
    void Detach(SessionNode& node) {
        by_heartbeat_.erase(by_heartbeat_.iterator_to(node));
        auto& idx = stages_[node.stage]->sessions;
        idx.erase(idx.iterator_to(node));
    }
    void Remove(SessionNode* node) {
        Detach(*node);
        sessions_.erase(std::string_view(node->user_id));
    }

    ViewerSession View(const SessionNode& node) const {
        return ViewerSession{node.session_id.Str(), node.user_id, stages_[node.stage]->arn,
                             node.participant_id.Str(), FromRep(node.joined),
                             FromRep(node.heartbeat)};
    }

    StageRecord Record(const StageSlot& s, Rep cutoff) const {
        return StageRecord{s.arn,        s.name,           s.is_master,
                           s.auto_scaled, s.state,          s.created_at,
                           s.draining_since, LiveCount(s, cutoff)};
    }

    std::vector<StageRecord> AllStages(Rep cutoff) const {
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

    void PruneMarks(SteadyTime now) {
        while (!mark_expiry_.empty() && mark_expiry_.begin()->first <= now) {
            auto it = marks_.find(mark_expiry_.begin()->second);
            if (it != marks_.end() && it->second == mark_expiry_.begin()->first) marks_.erase(it);
            mark_expiry_.erase(mark_expiry_.begin());
        }
    }

    const Clock& clock_;
    mutable std::mutex mu_;

    // Keyed by a view into the node's own user_id, so the id is stored once.
    std::unordered_map<std::string_view, std::unique_ptr<SessionNode>> sessions_;
    GlobalIndex by_heartbeat_;

    std::vector<std::unique_ptr<StageSlot>> stages_;  // index = interned stage id
    std::vector<std::uint32_t> free_slots_;
    std::unordered_map<std::string, std::uint32_t> stage_by_arn_;
    std::uint64_t next_seq_ = 0;

    int pending_creations_ = 0;
    SystemTime pending_until_;
    std::optional<PublisherState> publisher_;
    std::map<std::string, ReplicationRecord> replications_;
    std::unordered_map<std::string, SteadyTime> marks_;
    std::multimap<SteadyTime, std::string> mark_expiry_;
};

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
        if (!slot || slot->state != StageState::active) continue;
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
        } else if (target->state != StageState::active) {
            return Error(Errc::stage_full, ports::StageDrainingMessage(request.requested_stage));
        } else if (LiveCount(*target, cutoff) >= request.capacity) {
            return Error(Errc::stage_full, ports::StageFullMessage(request.requested_stage));
        }
    } else if (current_live && stages_[current->stage]->state == StageState::active) {
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
    node->stage = IndexOf(target->arn);
    node->joined = now;
    node->heartbeat = now;
    node->session_id.Assign(request.new_session_id);
    node->participant_id.Assign(request.participant_id);
    Attach(*node);
    result.session = View(*node);
    result.stage_viewers = LiveCount(*target, cutoff);
    return result;
}

}  // namespace

std::shared_ptr<ports::HotStore> MakeMemoryHotStore(const Clock& clock) {
    return std::make_shared<MemoryHotStore>(clock);
}

}  // namespace ivs::adapters
