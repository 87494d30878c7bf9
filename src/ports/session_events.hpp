#pragma once

#include <string>

#include "core/clock.hpp"

namespace ivs::ports {

// A viewing session starting or ending. Every session that starts ends exactly once; the
// history store applies these idempotently, keyed by session_id.
struct SessionEvent {
    enum class Kind { started, ended };
    Kind kind = Kind::started;
    std::string session_id;
    std::string user_id;
    std::string stage_arn;
    std::string participant_id;
    SystemTime joined_at;
    // For `ended`: when the session ended (leave time, or the last heartbeat for a timeout).
    SystemTime left_at;
    SystemTime last_heartbeat;
    std::string end_reason;  // "leave", "timeout", "moved", "stage_deleted"
    std::string user_agent;
    std::string ip_address;
};

// Where the audience service hands session events. Implementations queue durably (a SQLite
// outbox, a Redis stream) and return quickly; they never make a viewer call wait on the history
// store. Thread-safe.
class SessionEventSink {
public:
    virtual ~SessionEventSink() = default;
    virtual void Publish(SessionEvent event) = 0;
};

}  // namespace ivs::ports
