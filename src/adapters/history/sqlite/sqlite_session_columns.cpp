#include "adapters/history/sqlite/sqlite_session_columns.hpp"

namespace ivs::adapters::history {

SqliteStmt& BindSessionEvent(SqliteStmt& stmt, int first, const ports::SessionEvent& e) {
    return stmt.Bind(first, e.session_id)
        .Bind(first + 1, e.user_id)
        .Bind(first + 2, e.stage_arn)
        .BindText(first + 3, e.participant_id)
        .Bind(first + 4, ToUnixMillis(e.joined_at))
        .Bind(first + 5, ToUnixMillis(e.left_at))
        .Bind(first + 6, ToUnixMillis(e.last_heartbeat))
        .BindText(first + 7, e.end_reason)
        .BindText(first + 8, e.user_agent)
        .BindText(first + 9, e.ip_address);
}

}  // namespace ivs::adapters::history
