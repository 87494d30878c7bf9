#pragma once

#include "adapters/history/sqlite/sqlite_db.hpp"
#include "ports/history_store.hpp"

namespace ivs::adapters::history {

// Binds the ten columns a session event is kept with, in this order, to parameters `first` to
// `first + 9`: session_id, user_id, stage_arn, participant_id, joined_at, left_at,
// last_heartbeat, end_reason, user_agent, ip_address. Times are Unix milliseconds; an empty
// participant_id, end_reason, user_agent or ip_address is bound as NULL (read back as empty).
SqliteStmt& BindSessionEvent(SqliteStmt& stmt, int first, const ports::SessionEvent& e);

}  // namespace ivs::adapters::history
