#include <map>

#include "adapters/history/postgres/pg_history_sql.hpp"

namespace ivs::adapters::history {

using ports::HistoryBatch;
using ports::SessionEvent;

// "($1,$2::bigint),($3,$4::bigint)" for `rows` rows of the given column casts.
std::string ValuesList(std::size_t rows, const std::vector<std::string>& casts) {
    std::string out;
    int n = 1;
    for (std::size_t r = 0; r < rows; ++r) {
        out += r ? ",(" : "(";
        for (std::size_t c = 0; c < casts.size(); ++c) {
            if (c) out += ',';
            out += '$' + std::to_string(n++) + casts[c];
        }
        out += ')';
    }
    return out;
}

namespace {

void InsertStarted(PgConn& c, const std::vector<const SessionEvent*>& rows) {
    PgParams p;
    for (const SessionEvent* e : rows) {
        p.insert(p.end(), {e->session_id, e->user_id, e->stage_arn, TextOrNull(e->participant_id),
                           Ms(e->joined_at), TextOrNull(e->user_agent), TextOrNull(e->ip_address)});
    }
    c.Exec(
        "INSERT INTO viewer_sessions (session_id, user_id, stage_arn, participant_id, joined_at, "
        "last_heartbeat, user_agent, ip_address) SELECT sid, uid, arn, pid, ivs_ms_to_ts(j), "
        "ivs_ms_to_ts(j), ua, ip FROM (VALUES " +
            ValuesList(rows.size(), {"", "", "", "", "::bigint", "", ""}) +
            ") AS x(sid, uid, arn, pid, j, ua, ip) ON CONFLICT (session_id) DO NOTHING",
        p);
}

// The duration is measured from the row's joined_at, so a start recorded earlier wins.
void UpsertEnded(PgConn& c, const std::vector<const SessionEvent*>& rows) {
    PgParams p;
    for (const SessionEvent* e : rows) {
        p.insert(p.end(), {e->session_id, e->user_id, e->stage_arn, TextOrNull(e->participant_id),
                           Ms(e->joined_at), Ms(e->left_at), Ms(e->last_heartbeat),
                           TextOrNull(e->end_reason), TextOrNull(e->user_agent),
                           TextOrNull(e->ip_address)});
    }
    c.Exec(
        "INSERT INTO viewer_sessions AS v (session_id, user_id, stage_arn, participant_id, "
        "joined_at, left_at, watch_duration_seconds, last_heartbeat, end_reason, user_agent, "
        "ip_address) SELECT sid, uid, arn, pid, ivs_ms_to_ts(j), ivs_ms_to_ts(GREATEST(l, j)), "
        "GREATEST(0, (l - j) / 1000), ivs_ms_to_ts(GREATEST(h, j)), reason, ua, ip FROM (VALUES " +
            ValuesList(rows.size(),
                       {"", "", "", "", "::bigint", "::bigint", "::bigint", "", "", ""}) +
            ") AS x(sid, uid, arn, pid, j, l, h, reason, ua, ip) "
            "ON CONFLICT (session_id) DO UPDATE SET "
            "left_at = GREATEST(EXCLUDED.left_at, v.joined_at), "
            "watch_duration_seconds = GREATEST(0, (ivs_ts_to_ms(GREATEST(EXCLUDED.left_at, "
            "v.joined_at)) - ivs_ts_to_ms(v.joined_at)) / 1000), "
            "last_heartbeat = GREATEST(v.last_heartbeat, EXCLUDED.last_heartbeat), "
            "end_reason = EXCLUDED.end_reason WHERE v.left_at IS NULL",
        p);
}

// Starts whose viewer never got a token: the row goes (applied after the batch's starts).
void DeleteCancelled(PgConn& c, const std::vector<const SessionEvent*>& rows) {
    PgParams p;
    for (const SessionEvent* e : rows) p.push_back(e->session_id);
    c.Exec("DELETE FROM viewer_sessions v USING (VALUES " + ValuesList(rows.size(), {""}) +
               ") AS x(sid) WHERE v.session_id = x.sid",
           p);
}

void UpdateHeartbeats(PgConn& c, const std::vector<std::pair<std::string, std::int64_t>>& rows) {
    PgParams p;
    for (const auto& [sid, ms] : rows) p.insert(p.end(), {sid, std::to_string(ms)});
    c.Exec("UPDATE viewer_sessions v SET last_heartbeat = GREATEST(v.last_heartbeat, "
           "ivs_ms_to_ts(x.h)) FROM (VALUES " +
               ValuesList(rows.size(), {"", "::bigint"}) +
               ") AS x(sid, h) WHERE v.session_id = x.sid AND v.left_at IS NULL",
           p);
}

}  // namespace

// One transaction. Rows are de-duplicated (a statement may touch a row only once) and sorted
// by session_id so concurrent batches lock rows in the same order.
void ApplyOn(PgConn& c, const HistoryBatch& batch) {
    std::map<std::string, const SessionEvent*> started, ended, cancelled;
    for (const SessionEvent& e : batch.events) {
        auto& target = e.kind == SessionEvent::Kind::started ? started
                       : e.end_reason == ports::kCancelled  ? cancelled
                                                            : ended;
        target.emplace(e.session_id, &e);
    }
    std::map<std::string, std::int64_t> beats;
    for (const auto& h : batch.heartbeats) {
        auto& v = beats[h.session_id];
        v = std::max(v, ToUnixMillis(h.at));
    }
    auto values = [](const auto& m) {
        std::vector<typename std::decay_t<decltype(m)>::mapped_type> v;
        for (const auto& kv : m) v.push_back(kv.second);
        return v;
    };
    PgTransaction tx(c);
    InChunks(values(started), [&](const auto& rows) { InsertStarted(c, rows); });
    InChunks(values(ended), [&](const auto& rows) { UpsertEnded(c, rows); });
    InChunks(values(cancelled), [&](const auto& rows) { DeleteCancelled(c, rows); });
    std::vector<std::pair<std::string, std::int64_t>> beat_rows(beats.begin(), beats.end());
    InChunks(beat_rows, [&](const auto& rows) { UpdateHeartbeats(c, rows); });
    tx.Commit();
}

}  // namespace ivs::adapters::history
