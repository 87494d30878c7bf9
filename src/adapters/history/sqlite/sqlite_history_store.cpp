#include "adapters/history/sqlite/sqlite_history_store.hpp"

#include <algorithm>
#include <cmath>

#include "adapters/history/db_transaction.hpp"
#include "adapters/history/row_reader.hpp"
#include "adapters/history/sqlite/sqlite_session_columns.hpp"
#include "adapters/history/store_common.hpp"

namespace ivs::adapters::history {

namespace asio = boost::asio;
using ports::HistoryBatch;
using ports::SessionEvent;

namespace {

std::int64_t Ms(SystemTime t) { return ToUnixMillis(t); }

template <class T, class F>
auto SqliteJob(std::string_view operation, F job) {
    return GuardedJob<T, SqliteDb>("sqlite", operation, std::move(job));
}

const char* kInsertStarted = R"sql(
INSERT INTO viewer_sessions (session_id, user_id, stage_arn, participant_id, joined_at,
                             last_heartbeat, user_agent, ip_address)
VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)
ON CONFLICT (session_id) DO NOTHING)sql";

// The duration is measured from the row's joined_at, so a start recorded earlier wins.
const char* kUpsertEnded = R"sql(
INSERT INTO viewer_sessions (session_id, user_id, stage_arn, participant_id, joined_at, left_at,
                             watch_duration_seconds, last_heartbeat, end_reason, user_agent,
                             ip_address)
VALUES (?1, ?2, ?3, ?4, ?5, MAX(?6, ?5), MAX(0, (?6 - ?5) / 1000), MAX(?7, ?5), ?8, ?9, ?10)
ON CONFLICT (session_id) DO UPDATE SET
  left_at = MAX(?6, viewer_sessions.joined_at),
  watch_duration_seconds = MAX(0, (?6 - viewer_sessions.joined_at) / 1000),
  last_heartbeat = MAX(viewer_sessions.last_heartbeat, ?7),
  end_reason = ?8
WHERE viewer_sessions.left_at IS NULL)sql";

const char* kHeartbeat = R"sql(
UPDATE viewer_sessions SET last_heartbeat = MAX(last_heartbeat, ?2)
WHERE session_id = ?1 AND left_at IS NULL)sql";

const char* kSessionColumns =
    "id, session_id, user_id, stage_arn, participant_id, joined_at, left_at, "
    "watch_duration_seconds, last_heartbeat, end_reason";

ports::SessionRecord ReadSession(const SqliteStmt& q) {
    ports::SessionRecord s;
    ReadColumns(q, s.id, s.session_id, s.user_id, s.stage_arn, s.participant_id, s.joined_at,
                s.left_at, s.watch_duration_seconds, s.last_heartbeat, s.end_reason);
    return s;
}

// One page as HistoryPageJob wants it, from one read transaction so the count and the rows
// agree.
ports::HistoryPage ReadHistoryPage(SqliteDb& db, const HistoryRequest& request) {
    const auto& after = request.after;
    ports::HistoryPage page;
    db.Exec("BEGIN");
    CleanupOnExit end_read([&db] { db.Exec("COMMIT"); });
    auto& count = db.Prepare("SELECT COUNT(*) FROM viewer_sessions WHERE user_id = ?1");
    count.Bind(1, request.user_id);
    if (count.Step()) page.total_records = count.Int(0);
    count.Reset();
    std::string sql = std::string("SELECT ") + kSessionColumns +
                      " FROM viewer_sessions WHERE user_id = ?1" +
                      (after ? " AND (joined_at, id) < (?3, ?4)" : "") +
                      " ORDER BY joined_at DESC, id DESC LIMIT ?2";
    auto& q = db.Prepare(sql);
    q.Bind(1, request.user_id).Bind(2, std::int64_t{request.limit} + 1);
    if (after) q.Bind(3, after->joined_at_ms).Bind(4, after->id);
    while (q.Step()) page.records.push_back(ReadSession(q));
    q.Reset();
    return page;
}

void ApplyOn(SqliteDb& db, const HistoryBatch& batch) {
    SqliteTransaction tx(db);
    for (const SessionEvent& e : batch.events) {
        if (e.kind == SessionEvent::Kind::started) {
            db.Prepare(kInsertStarted)
                .Bind(1, e.session_id)
                .Bind(2, e.user_id)
                .Bind(3, e.stage_arn)
                .BindText(4, e.participant_id)
                .Bind(5, Ms(e.joined_at))
                .BindText(6, e.user_agent)
                .BindText(7, e.ip_address)
                .Run();
        } else if (e.end_reason == ports::kCancelled) {
            db.Prepare("DELETE FROM viewer_sessions WHERE session_id = ?1")
                .Bind(1, e.session_id)
                .Run();
        } else {
            BindSessionEvent(db.Prepare(kUpsertEnded), 1, e).Run();
        }
    }
    for (const auto& h : batch.heartbeats) {
        db.Prepare(kHeartbeat).Bind(1, h.session_id).Bind(2, Ms(h.at)).Run();
    }
    tx.Commit();
}

}  // namespace

SqliteHistoryStore::SqliteHistoryStore(SqliteStoreOptions options) : options_(std::move(options)) {
    try {
        writer_ = std::make_unique<WorkerPool<SqliteDb>>(1, options_.queue_cap, [this] {
            auto db = std::make_unique<SqliteDb>(options_.path, false);
            MigrateSqlite(*db);
            return db;
        });
        reader_ = std::make_unique<WorkerPool<SqliteDb>>(1, options_.queue_cap, [this] {
            return std::make_unique<SqliteDb>(options_.path, true);
        });
    } catch (const DbError& e) {
        throw std::runtime_error(std::string("history store (SQLite): ") + e.what());
    }
}

template <class T, class F>
ports::HistoryStore::Async<T> SqliteHistoryStore::OnWriter(std::string_view operation, F job) {
    return RunOn<T>(*writer_, SqliteJob<T>(operation, std::move(job)));
}

template <class T, class F>
ports::HistoryStore::Async<T> SqliteHistoryStore::OnReader(std::string_view operation, F job) {
    return RunOn<T>(*reader_, SqliteJob<T>(operation, std::move(job)));
}

SqliteHistoryStore::~SqliteHistoryStore() { Stop(); }

void SqliteHistoryStore::Stop() {
    if (writer_) writer_->Stop();
    if (reader_) reader_->Stop();
}

Status SqliteHistoryStore::ApplySync(const HistoryBatch& batch) {
    return RunSync<void>(*writer_,
                         SqliteJob<void>("apply", [&batch](SqliteDb& db) { ApplyOn(db, batch); }));
}

ports::HistoryStore::Async<void> SqliteHistoryStore::Apply(HistoryBatch batch) {
    return OnWriter<void>("apply",
                          [batch = std::move(batch)](SqliteDb& db) { ApplyOn(db, batch); });
}

ports::HistoryStore::Async<ports::HistoryPage> SqliteHistoryStore::History(std::string user_id,
                                                                           int limit,
                                                                           std::string cursor) {
    // Not a coroutine: the job is built here and handed over whole.
    return OnReader<ports::HistoryPage>(
        "history", HistoryPageJob<SqliteDb>(std::move(user_id), limit, cursor, ReadHistoryPage));
}

ports::HistoryStore::Async<ports::StageViewStats> SqliteHistoryStore::StageStats(
    std::string stage_arn, SystemTime since) {
    return OnReader<ports::StageViewStats>(
        "stats", [stage_arn = std::move(stage_arn), since](SqliteDb& db) {
            auto& q = db.Prepare(
                "SELECT COUNT(*), COUNT(DISTINCT user_id), "
                "COALESCE(ROUND(AVG(watch_duration_seconds)), 0), "
                "COALESCE(MAX(watch_duration_seconds), 0) "
                "FROM viewer_sessions WHERE stage_arn = ?1 AND joined_at >= ?2");
            q.Bind(1, stage_arn).Bind(2, Ms(since));
            ports::StageViewStats s;
            if (q.Step()) {
                s.total_views = q.Int(0);
                s.unique_viewers = q.Int(1);
                s.avg_watch_duration = std::llround(q.Double(2));
                s.max_watch_duration = q.Int(3);
            }
            q.Reset();
            return s;
        });
}

ports::HistoryStore::Async<void> SqliteHistoryStore::InsertSnapshots(
    std::vector<ports::StatsSnapshot> snapshots) {
    return OnWriter<void>("insert snapshots", [snapshots = std::move(snapshots)](SqliteDb& db) {
        SqliteTransaction tx(db);
        for (const auto& s : snapshots) {
            db.Prepare(
                  "INSERT INTO viewer_stats_snapshots (stage_arn, snapshot_time, viewer_count) "
                  "VALUES (?1, ?2, ?3)")
                .Bind(1, s.stage_arn)
                .Bind(2, Ms(s.at))
                .Bind(3, std::int64_t{s.viewer_count})
                .Run();
        }
        tx.Commit();
    });
}

ports::HistoryStore::Async<std::vector<ports::TimeseriesPoint>> SqliteHistoryStore::Timeseries(
    ports::TimeseriesQuery query) {
    using Points = std::vector<ports::TimeseriesPoint>;
    return OnReader<Points>("timeseries", [query = std::move(query)](SqliteDb& db) {
        std::string sql = std::string(
                              "SELECT (t / ?3) * ?3 AS bucket, AVG(total), MAX(total), "
                              "MIN(total), COUNT(*) FROM (SELECT snapshot_time AS t, "
                              "SUM(viewer_count) AS total FROM viewer_stats_snapshots "
                              "WHERE snapshot_time >= ?1 AND snapshot_time < ?2") +
                          (query.stage_arn ? " AND stage_arn = ?4" : "") +
                          " GROUP BY snapshot_time) GROUP BY bucket ORDER BY bucket";
        auto& q = db.Prepare(sql);
        q.Bind(1, Ms(query.from)).Bind(2, Ms(query.to));
        q.Bind(3, std::int64_t{query.step.count()} * 1000);
        if (query.stage_arn) q.Bind(4, *query.stage_arn);
        Points points;
        while (q.Step()) {
            ports::TimeseriesPoint& p = points.emplace_back();
            ReadColumns(q, p.bucket, p.avg_viewers, p.max_viewers, p.min_viewers, p.samples);
        }
        q.Reset();
        return points;
    });
}

namespace {

// Retention: `sql` deletes at most `batch_limit` rows older than `t` (its ?1 and ?2); the job
// answers how many went.
auto DeleteBeforeJob(const char* sql, SystemTime t, int batch_limit) {
    return [=](SqliteDb& db) {
        db.Prepare(sql).Bind(1, Ms(t)).Bind(2, std::int64_t{batch_limit}).Run();
        return db.Changes();
    };
}

auto CloseOpenJob(SystemTime t, std::string end_reason) {
    return SqliteJob<std::int64_t>(
        "close open sessions", [t, end_reason = std::move(end_reason)](SqliteDb& db) {
            db.Prepare(
                  "UPDATE viewer_sessions SET left_at = MAX(last_heartbeat, joined_at), "
                  "watch_duration_seconds = MAX(0, (MAX(last_heartbeat, joined_at) - joined_at) "
                  "/ 1000), end_reason = ?2 WHERE left_at IS NULL AND last_heartbeat < ?1")
                .Bind(1, Ms(t))
                .Bind(2, end_reason)
                .Run();
            return db.Changes();
        });
}

}  // namespace

ports::HistoryStore::Async<std::int64_t> SqliteHistoryStore::DeleteSnapshotsBefore(
    SystemTime t, int batch_limit) {
    return OnWriter<std::int64_t>(
        "delete snapshots",
        DeleteBeforeJob("DELETE FROM viewer_stats_snapshots WHERE id IN (SELECT id FROM "
                        "viewer_stats_snapshots WHERE snapshot_time < ?1 ORDER BY snapshot_time "
                        "LIMIT ?2)",
                        t, batch_limit));
}

ports::HistoryStore::Async<std::int64_t> SqliteHistoryStore::DeleteSessionsBefore(
    SystemTime t, int batch_limit) {
    return OnWriter<std::int64_t>(
        "delete sessions",
        DeleteBeforeJob("DELETE FROM viewer_sessions WHERE id IN (SELECT id FROM viewer_sessions "
                        "WHERE left_at IS NOT NULL AND joined_at < ?1 ORDER BY joined_at LIMIT ?2)",
                        t, batch_limit));
}

ports::HistoryStore::Async<std::int64_t> SqliteHistoryStore::CloseOpenSessions(
    SystemTime t, std::string end_reason) {
    return RunOn<std::int64_t>(*writer_, CloseOpenJob(t, std::move(end_reason)));
}

Result<std::int64_t> SqliteHistoryStore::CloseOpenSessionsSync(SystemTime t,
                                                                std::string end_reason) {
    return RunSync<std::int64_t>(*writer_, CloseOpenJob(t, std::move(end_reason)));
}

ports::HistoryStore::Async<void> SqliteHistoryStore::Ping() {
    return OnReader<void>("ping", [](SqliteDb& db) {
        auto& q = db.Prepare("SELECT 1 FROM schema_version LIMIT 1");
        q.Step();
        q.Reset();
    });
}

asio::awaitable<Status> SqliteHistoryStore::SaveStage(ports::ArchivedStage stage) {
    return OnWriter<void>("save stage", [stage = std::move(stage)](SqliteDb& db) {
        auto& q = db.Prepare(R"sql(
INSERT INTO stages (stage_arn, stage_name, is_master, auto_scaled, state, created_at,
                    draining_since, deleted_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
ON CONFLICT (stage_arn) DO UPDATE SET
  stage_name = excluded.stage_name, is_master = excluded.is_master,
  auto_scaled = excluded.auto_scaled, state = excluded.state,
  draining_since = excluded.draining_since, deleted_at = excluded.deleted_at,
  updated_at = excluded.updated_at)sql");
        q.Bind(1, stage.arn)
            .BindText(2, stage.name)
            .Bind(3, std::int64_t{stage.is_master})
            .Bind(4, std::int64_t{stage.auto_scaled})
            .Bind(5, stage.state.empty() ? std::string("active") : stage.state)
            .Bind(6, Ms(stage.created_at));
        if (stage.draining_since) q.Bind(7, Ms(*stage.draining_since));
        if (stage.deleted_at) q.Bind(8, Ms(*stage.deleted_at));
        q.Run();
    });
}

asio::awaitable<Status> SqliteHistoryStore::MarkStageDeleted(std::string arn, SystemTime at) {
    return OnWriter<void>("mark stage deleted", [arn = std::move(arn), at](SqliteDb& db) {
        db.Prepare(
              "UPDATE stages SET state = 'deleted', deleted_at = ?2, updated_at = ?2 "
              "WHERE stage_arn = ?1")
            .Bind(1, arn)
            .Bind(2, Ms(at))
            .Run();
    });
}

asio::awaitable<Result<std::vector<ports::ArchivedStage>>> SqliteHistoryStore::LoadStages() {
    using Stages = std::vector<ports::ArchivedStage>;
    return OnReader<Stages>("load stages", [](SqliteDb& db) {
        auto& q = db.Prepare(
            "SELECT stage_arn, stage_name, is_master, auto_scaled, state, created_at, "
            "draining_since FROM stages WHERE deleted_at IS NULL ORDER BY id");
        Stages out;
        while (q.Step()) {
            ports::ArchivedStage& s = out.emplace_back();
            ReadColumns(q, s.arn, s.name, s.is_master, s.auto_scaled, s.state, s.created_at,
                        s.draining_since);
        }
        q.Reset();
        return out;
    });
}

}  // namespace ivs::adapters::history
