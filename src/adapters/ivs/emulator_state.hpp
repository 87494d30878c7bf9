#pragma once

// Internal to the emulator: the state behind Emulator's mutex and shared validation helpers.

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/ivs/emulator.hpp"
#include "adapters/tokens/es384_key.hpp"

namespace ivs::emulator {

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

// Shared checks (return a ValidationException naming `field`).
Status CheckStageArn(std::string_view arn, std::string_view field);
Status CheckParticipantId(std::string_view id, std::string_view field);
Status CheckMaxResults(int max_results, int max);
Status CheckTags(const ports::Tags& tags);
// Opaque pagination tokens: base64 of "<kind>:<number>".
std::string MakePageToken(std::string_view kind, std::uint64_t n);
Result<std::uint64_t> ParsePageToken(std::string_view token, std::string_view kind);

}  // namespace ivs::emulator
