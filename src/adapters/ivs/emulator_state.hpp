#pragma once

// Internal to the emulator: the state behind Emulator's mutex and shared validation helpers.

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/ivs/emulator.hpp"
#include "adapters/tokens/es384_key.hpp"

namespace ivs::emulator {

// The ResourceNotFoundException for a stage or a participant that does not exist.
inline Error StageNotFound(std::string_view arn) {
    return IvsError(kNotFound, "Stage not found: " + std::string(arn));
}

inline Error ParticipantNotFound(std::string_view id) {
    return IvsError(kNotFound, "Participant not found: " + std::string(id));
}

// A time cut to whole milliseconds, the precision IVS reports.
inline SystemTime Millis(SystemTime t) { return std::chrono::floor<std::chrono::milliseconds>(t); }

// One entry of ListParticipantEvents.
struct ParticipantEventRec {
    std::string name;  // JOINED, LEFT, PUBLISH_STARTED, PUBLISH_STOPPED, SUBSCRIBE_STARTED, ...
    SystemTime time;
    std::string destination_stage_arn;   // REPLICATION_*
    std::string destination_session_id;  // REPLICATION_*
    bool replica = false;
};

struct ParticipantRec {
    std::string id;
    std::string user_id;
    bool connected = true;
    bool published = false;
    bool can_publish = false;
    bool can_subscribe = false;
    SystemTime first_join_time;
    ports::Tags attributes;
    std::string replication_type = "NONE";  // SOURCE | REPLICA | NONE
    std::string replication_state;          // ACTIVE | STOPPED | ""
    std::string source_stage_arn;
    std::string source_session_id;
    std::string protocol = "UNKNOWN";  // WHIP when joined through the WHIP endpoint
    std::vector<ParticipantEventRec> events;
};

struct SessionRec {
    std::string id;
    SystemTime start_time;
    std::optional<SystemTime> end_time;
    std::vector<ParticipantRec> participants;  // join order
};

struct StageRec {
    std::string id;
    std::string arn;
    std::string name;
    ports::Tags tags;
    ports::StageEndpoints endpoints;
    std::uint64_t seq = 0;
    std::optional<boost::json::object> recording;  // autoParticipantRecordingConfiguration
    std::vector<SessionRec> sessions;  // oldest first; the last is active when it has no end
};

struct ReplicationRec {
    std::string source_stage_arn;
    std::string participant_id;
    std::string source_session_id;
    std::string destination_stage_arn;
    std::string destination_session_id;
    bool active = true;
};

struct KeyRec {
    std::string arn;
    std::string name;
    std::string material;
    std::string fingerprint;
    ports::Tags tags;
    tokens::Es384Key key;
    std::uint64_t seq = 0;
};

struct MediaRec {
    std::string stage_arn;
    std::string participant_id;
    bool publisher = false;
    SystemTime last_seen;
};

struct Emulator::State {
    std::map<std::string, StageRec, std::less<>> stages;            // by ARN
    std::map<std::uint64_t, std::string> stage_order;               // seq -> ARN
    std::map<std::string, KeyRec, std::less<>> keys;                // by ARN
    std::map<std::uint64_t, std::string> key_order;                 // seq -> ARN
    std::vector<ReplicationRec> replications;
    std::uint64_t next_seq = 1;
    std::optional<tokens::Es384Key> internal_key;
    std::string internal_key_arn;
    std::deque<Fault> faults;
    std::uint64_t api_calls = 0;
    std::map<std::string, MediaRec, std::less<>> media;  // by resource id
    std::string endpoint_base;
    EventSink sink;
    std::string region;
    std::string account_id;

    // Active session of a stage, or nullptr.
    static SessionRec* ActiveSession(StageRec& stage) {
        if (stage.sessions.empty() || stage.sessions.back().end_time) return nullptr;
        return &stage.sessions.back();
    }
    static ParticipantRec* FindConnected(SessionRec* session, std::string_view id) {
        if (!session) return nullptr;
        for (auto& p : session->participants) {
            if (p.id == id && p.connected) return &p;
        }
        return nullptr;
    }
};

// --- session bookkeeping shared by the emulator's parts (called with the lock held) ---
SessionRec& EnsureSession(Emulator::State& state, StageRec& stage, SystemTime now);
void MaybeEndSession(Emulator::State& state, StageRec& stage, SystemTime now);
int CountPublished(const SessionRec* s, std::string_view except_id = {});
void StopReplication(Emulator::State& state, ReplicationRec& r, SystemTime now);
void Disconnect(Emulator::State& state, StageRec& stage, ParticipantRec& p, SystemTime now);
// Appends to the participant's event list (capped) and, for the names IVS sends to EventBridge,
// emits the matching "IVS Stage Update" event through the sink.
void RecordEvent(Emulator::State& state, const StageRec& stage, const SessionRec& session,
                 ParticipantRec& p, ParticipantEventRec event);
// Emits an "IVS Stage Update" event with `event_name` for the stage (session-level events).
void EmitStageEvent(Emulator::State& state, const StageRec& stage, const SessionRec& session,
                    std::string_view event_name, const ParticipantRec* p, SystemTime at);
Status CheckSessionId(std::string_view id);

// True when every character is an ASCII letter, a digit or one of `extra`.
bool MatchesCharset(std::string_view s, std::string_view extra);
// Shared checks (return a ValidationException naming `field`).
Status CheckStageArn(std::string_view arn, std::string_view field);
Status CheckParticipantId(std::string_view id, std::string_view field);
Status CheckMaxResults(int max_results, int max);
// Tags of a resource: at most 50, keys 1-128 characters without the reserved "aws:" prefix,
// values at most 256.
Status CheckTags(const ports::Tags& tags);
Status CheckTagKey(std::string_view key);
// A participant token configuration (CreateStage) or request (CreateParticipantToken).
Status CheckTokenRequest(const ports::CreateTokenRequest& request);
// autoParticipantRecordingConfiguration as the model describes it.
Status CheckRecordingConfiguration(const boost::json::object& config);
// Opaque pagination tokens: base64 of "<kind>:<number>". An empty token is the start (0); a
// token that is not of `kind` is a ValidationException.
std::string MakePageToken(std::string_view kind, std::uint64_t n);
Result<std::uint64_t> ParsePageToken(std::string_view token, std::string_view kind);

template <class T>
Result<ports::Page<T>> Paginate(std::vector<T> all, std::string_view next_token,
                                std::string_view kind, int max_results) {
    auto start = ParsePageToken(next_token, kind);
    if (!start) return start.error();
    const std::uint64_t offset = *start;
    ports::Page<T> page;
    auto max = static_cast<std::uint64_t>(max_results);
    for (std::uint64_t i = offset; i < all.size() && i < offset + max; ++i) {
        page.items.push_back(std::move(all[i]));
    }
    if (offset + max < all.size()) page.next_token = MakePageToken(kind, offset + max);
    return page;
}

// One page of a creation-ordered index (sequence number -> ARN): the entries after the one the
// token names, each turned into an item by `to_item(arn)`. The caller holds the emulator's lock.
template <class T, class ToItem>
Result<ports::Page<T>> PageInOrder(const std::map<std::uint64_t, std::string>& order,
                                   std::string_view next_token, std::string_view kind,
                                   int max_results, ToItem to_item) {
    auto after = ParsePageToken(next_token, kind);
    if (!after) return after.error();
    ports::Page<T> page;
    for (auto it = order.upper_bound(*after); it != order.end(); ++it) {
        if (static_cast<int>(page.items.size()) == max_results) {
            page.next_token = MakePageToken(kind, std::prev(it)->first);
            break;
        }
        page.items.push_back(to_item(it->second));
    }
    return page;
}

}  // namespace ivs::emulator
