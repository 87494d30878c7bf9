#pragma once

#include <algorithm>
#include <string>

#include "ports/hot_store.hpp"
#include "ports/session_events.hpp"

namespace ivs::audience {

// The history event for a session that started.
inline ports::SessionEvent SessionStarted(const ports::ViewerSession& s) {
    return {.kind = ports::SessionEvent::Kind::started,
            .session_id = s.session_id,
            .user_id = s.user_id,
            .stage_arn = s.stage_arn,
            .participant_id = s.participant_id,
            .joined_at = s.joined_at,
            .last_heartbeat = s.last_heartbeat};
}

// The history event for a session that ended at `left_at` (never before it joined), for
// `reason` ("leave", "timeout", "moved", "stage_deleted").
inline ports::SessionEvent SessionEnded(const ports::ViewerSession& s, std::string reason,
                                        SystemTime left_at) {
    ports::SessionEvent e = SessionStarted(s);
    e.kind = ports::SessionEvent::Kind::ended;
    e.left_at = std::max(left_at, s.joined_at);
    e.end_reason = std::move(reason);
    return e;
}

}  // namespace ivs::audience
