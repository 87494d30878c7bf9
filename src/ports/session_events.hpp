#pragma once

#include <boost/asio/awaitable.hpp>

#include <string>

#include "core/clock.hpp"

namespace ivs::ports {

inline constexpr const char* kCancelled = "cancelled";

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
    // "leave", "timeout", "moved", "stage_deleted"; kCancelled: the start never reached its
    // viewer (the seat was given back before a token existed), so the row goes away.
    std::string end_reason;
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
    // Publishes and resumes the caller once the event is durable (committed where it survives
    // a crash of this process), or at once when it cannot be made durable now (it then stays
    // queued, as with Publish). Used before answering a call whose history must not be lost.
    // Default: Publish.
    virtual boost::asio::awaitable<void> PublishDurably(SessionEvent event) {
        Publish(std::move(event));
        co_return;
    }
};

}  // namespace ivs::ports
