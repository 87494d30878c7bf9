#pragma once

// The in-process hot store's state and class, shared by its implementation files (not a public
// API): memory_hot_store.cpp holds viewer sessions, publisher, replications and marks;
// memory_hot_store_stages.cpp holds the stage registry and seating.

#include <boost/intrusive/set.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "adapters/hot_store/memory/compact_id.hpp"
#include "adapters/hot_store/memory/memory_hot_store.hpp"
#include "adapters/hot_store/hot_store_names.hpp"

namespace ivs::adapters::memory_detail {

namespace bi = boost::intrusive;
using Rep = SystemTime::duration::rep;
template <typename T>
using Async = ports::HotStore::Async<T>;

inline Rep ToRep(SystemTime t) { return t.time_since_epoch().count(); }
inline SystemTime FromRep(Rep r) { return SystemTime(SystemTime::duration(r)); }

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
    StageRecord record;       // as last upserted; `viewers` unused (counted from `sessions`)
    std::uint32_t index = 0;  // its place in the store's stage table (a session's `stage`)
    std::uint64_t seq = 0;    // registration order, the tie-breaker when loads are equal
    StageIndex sessions;
};

// Sessions whose heartbeat is older than `cutoff` sit at the front of the stage index, and the
// sweeper keeps that front short, so this walks only the expired few.
inline int LiveCount(const StageSlot& s, Rep cutoff) {
    std::size_t expired = 0;
    for (auto it = s.sessions.begin(); it != s.sessions.end() && it->heartbeat < cutoff; ++it) {
        ++expired;
    }
    return static_cast<int>(s.sessions.size() - expired);
}

class MemoryHotStore final : public ports::HotStore {
public:
    explicit MemoryHotStore(const Clock& clock) : clock_(clock) {}

    ~MemoryHotStore() override;

    Async<SeatResult> Seat(SeatRequest request) override;

    Async<SystemTime> Heartbeat(std::string user_id, std::string stage_arn, std::string session_id,
                                SystemTime now, SystemTime cutoff) override;

    Async<std::optional<ViewerSession>> Leave(std::string user_id, std::string stage_arn,
                                              std::string session_id, SystemTime,
                                              SystemTime) override;

    Async<void> SetParticipant(std::string user_id, std::string session_id,
                               std::string participant_id, std::string, std::string) override;

    Async<std::optional<ViewerSession>> GetSession(std::string user_id, SystemTime cutoff) override;

    Async<std::vector<ViewerSession>> ListViewers(std::string stage_arn, SystemTime cutoff,
                                                  std::size_t limit) override;

    Async<std::vector<ViewerSession>> ExpireSessions(SystemTime cutoff, std::size_t limit) override;

    Async<void> UpsertStage(StageRecord record) override;

    Async<void> SetStageState(std::string arn, StageState state,
                              std::optional<SystemTime> draining_since) override;

    Async<std::vector<ViewerSession>> RemoveStage(std::string arn, SystemTime, SystemTime) override;

    Async<StageRecord> GetStage(std::string arn, SystemTime cutoff) override;

    Async<std::vector<StageRecord>> ListStages(SystemTime cutoff) override;

    Async<void> SetPendingStageCreations(int count, SystemTime until) override;

    Async<void> SetPublisher(PublisherState state) override;

    Async<std::optional<PublisherState>> GetPublisher() override;

    Async<void> PutReplication(ReplicationRecord record) override;

    Async<void> RemoveReplication(std::string destination_stage_arn) override;

    Async<std::vector<ReplicationRecord>> ListReplications() override;

    Async<bool> MarkOnce(std::string key, std::chrono::seconds ttl) override;

    Async<HotSnapshot> Snapshot(SystemTime now, SystemTime cutoff) override;

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

    StageSlot* AllocateStage(const std::string& arn);

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
        return ViewerSession{
            node.session_id.Str(),     node.user_id,         stages_[node.stage]->record.arn,
            node.participant_id.Str(), FromRep(node.joined), FromRep(node.heartbeat)};
    }

    StageRecord Record(const StageSlot& s, Rep cutoff) const {
        StageRecord out = s.record;
        out.viewers = LiveCount(s, cutoff);
        return out;
    }

    std::vector<StageRecord> AllStages(Rep cutoff) const;

    void PruneMarks(SteadyTime now);

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

}  // namespace ivs::adapters::memory_detail
