#include "adapters/history/postgres/pg_history_store.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <thread>

#include "adapters/history/postgres/pg_batch.hpp"
#include "adapters/history/row_reader.hpp"
#include "adapters/history/store_common.hpp"

namespace ivs::adapters::history {

namespace asio = boost::asio;
using ports::HistoryBatch;
using ports::SessionEvent;

namespace {

const char* kSessionColumns =
    "id, session_id, user_id, stage_arn, participant_id, ivs_ts_to_ms(joined_at), "
    "ivs_ts_to_ms(left_at), watch_duration_seconds, ivs_ts_to_ms(last_heartbeat), end_reason";

ports::SessionRecord ReadSession(const PgResult& r, int i) {
    ports::SessionRecord s;
    ReadColumns(PgRow(r, i), s.id, s.session_id, s.user_id, s.stage_arn, s.participant_id,
                s.joined_at, s.left_at, s.watch_duration_seconds, s.last_heartbeat, s.end_reason);
    return s;
}

// One page as HistoryPageJob wants it: the count and the rows from one snapshot.
ports::HistoryPage ReadHistoryPage(PgConn& c, const HistoryRequest& request) {
    const auto& after = request.after;
    const auto& user = request.user_id;
    ports::HistoryPage page;
    PgTransaction tx(c);
    page.total_records =
        c.Prepared("history_count", "SELECT COUNT(*) FROM viewer_sessions WHERE user_id = $1",
                   {user})
            .Int(0, 0);
    std::string lim = std::to_string(request.limit + 1);
    PgResult r = after ? c.Prepared("history_after",
                                    std::string("SELECT ") + kSessionColumns +
                                        " FROM viewer_sessions WHERE user_id = $1 AND "
                                        "(joined_at, id) < (ivs_ms_to_ts($3::bigint), $4) "
                                        "ORDER BY joined_at DESC, id DESC LIMIT $2",
                                    {user, lim, std::to_string(after->joined_at_ms),
                                     std::to_string(after->id)})
                       : c.Prepared("history_first",
                                    std::string("SELECT ") + kSessionColumns +
                                        " FROM viewer_sessions WHERE user_id = $1 "
                                        "ORDER BY joined_at DESC, id DESC LIMIT $2",
                                    {user, lim});
    tx.Commit();
    for (int i = 0; i < r.Rows(); ++i) page.records.push_back(ReadSession(r, i));
    return page;
}

// The probe's connection: one short statement, the shortest client-side deadline.
PgOptions ProbeOptions(PgOptions o) {
    o.statement_timeout_ms = std::min(o.statement_timeout_ms, 1000);
    return o;
}

}  // namespace

PgHistoryStore::PgHistoryStore(PgOptions options, std::chrono::seconds connect_wait)
    : options_(std::move(options)) {
    auto deadline = std::chrono::steady_clock::now() + connect_wait;
    for (;;) {
        try {
            MigratePostgresOnce(options_);
            break;
        } catch (const DbError& e) {
            if (std::chrono::steady_clock::now() >= deadline) {
                throw std::runtime_error("history store (PostgreSQL " + options_.host + ":" +
                                         std::to_string(options_.port) + "/" + options_.dbname +
                                         "): " + e.what());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
    }
    breaker_ = std::make_unique<PgBreaker>(
        [probe = ProbeOptions(options_)] {
            PgConn conn(probe);
            conn.Exec("SELECT 1");
            return true;
        },
        options_.breaker_probe_interval);
    pool_ = std::make_unique<WorkerPool<PgConn>>(
        std::max(1, options_.pool_size), options_.queue_cap, [this] {
            return std::make_unique<PgConn>(options_,
                                            [b = breaker_.get()](const std::string& why) {
                                                b->Trip(why);
                                            });
        });
}

namespace {
Error CircuitOpen() { return Error(Errc::unavailable, "History store is unavailable"); }
}  // namespace

// The breaker is asked again in the pool thread: a job queued before it opened fails at once
// too.
template <class T, class F>
auto PgHistoryStore::Guard(std::string_view operation, F job) {
    return [breaker = breaker_.get(),
            job = GuardedJob<T, PgConn>("postgres", operation, std::move(job))](
               PgConn& c) mutable -> Result<T> {
        if (breaker->Open()) return CircuitOpen();
        return job(c);
    };
}

template <class T, class F>
ports::HistoryStore::Async<T> PgHistoryStore::Run(std::string_view operation, F job) {
    if (BreakerOpen()) co_return CircuitOpen();
    auto guarded = Guard<T>(operation, std::move(job));
    auto r = co_await RunOn<T>(*pool_, std::move(guarded));
    co_return r;
}

template <class T, class F>
Result<T> PgHistoryStore::RunBlocking(std::string_view operation, F job) {
    if (BreakerOpen()) return CircuitOpen();
    return RunSync<T>(*pool_, Guard<T>(operation, std::move(job)));
}

int MigratePostgresOnce(const PgOptions& options) {
    PgConn conn(options);
    return MigratePostgres(conn);
}

PgHistoryStore::~PgHistoryStore() { Stop(); }

void PgHistoryStore::Stop() {
    if (pool_) pool_->Stop();
    if (breaker_) breaker_->Stop();
}

Status PgHistoryStore::ApplySync(const HistoryBatch& batch) {
    return RunBlocking<void>("apply", [&batch](PgConn& c) { ApplyBatch(c, batch); });
}

ports::HistoryStore::Async<void> PgHistoryStore::Apply(HistoryBatch batch) {
    return Run<void>("apply", [batch = std::move(batch)](PgConn& c) { ApplyBatch(c, batch); });
}

ports::HistoryStore::Async<ports::HistoryPage> PgHistoryStore::History(std::string user_id,
                                                                       int limit,
                                                                       std::string cursor) {
    // Not a coroutine: the job is built here and handed over whole.
    return Run<ports::HistoryPage>(
        "history", HistoryPageJob<PgConn>(std::move(user_id), limit, cursor, ReadHistoryPage));
}

ports::HistoryStore::Async<ports::StageViewStats> PgHistoryStore::StageStats(std::string stage_arn,
                                                                             SystemTime since) {
    return Run<ports::StageViewStats>(
        "stats", [stage_arn = std::move(stage_arn), since](PgConn& c) {
            auto r = c.Prepared("stage_stats",
                                "SELECT COUNT(*), COUNT(DISTINCT user_id), "
                                "COALESCE(ROUND(AVG(watch_duration_seconds)), 0), "
                                "COALESCE(MAX(watch_duration_seconds), 0) FROM viewer_sessions "
                                "WHERE stage_arn = $1 AND joined_at >= ivs_ms_to_ts($2::bigint)",
                                {stage_arn, Ms(since)});
            ports::StageViewStats s;
            s.total_views = r.Int(0, 0);
            s.unique_viewers = r.Int(0, 1);
            s.avg_watch_duration = std::llround(r.Double(0, 2));
            s.max_watch_duration = r.Int(0, 3);
            return s;
        });
}

ports::HistoryStore::Async<void> PgHistoryStore::InsertSnapshots(
    std::vector<ports::StatsSnapshot> snapshots) {
    return Run<void>("insert snapshots", [snapshots = std::move(snapshots)](PgConn& c) {
        InChunks(snapshots, [&](const std::vector<ports::StatsSnapshot>& rows) {
            PgParams p;
            for (const auto& s : rows) {
                p.insert(p.end(), {s.stage_arn, Ms(s.at), std::to_string(s.viewer_count)});
            }
            c.Exec(
                "INSERT INTO viewer_stats_snapshots (stage_arn, snapshot_time, viewer_count) "
                "SELECT arn, ivs_ms_to_ts(t), n FROM (VALUES " +
                    ValuesList(rows.size(), {"", "::bigint", "::int"}) + ") AS x(arn, t, n)",
                p);
        });
    });
}

ports::HistoryStore::Async<std::vector<ports::TimeseriesPoint>> PgHistoryStore::Timeseries(
    ports::TimeseriesQuery query) {
    using Points = std::vector<ports::TimeseriesPoint>;
    return Run<Points>("timeseries", [query = std::move(query)](PgConn& c) {
        std::string inner =
            "SELECT ivs_ts_to_ms(snapshot_time) AS t, SUM(viewer_count) AS total "
            "FROM viewer_stats_snapshots WHERE snapshot_time >= ivs_ms_to_ts($1::bigint) "
            "AND snapshot_time < ivs_ms_to_ts($2::bigint)";
        PgParams p{Ms(query.from), Ms(query.to), std::to_string(query.step.count() * 1000)};
        if (query.stage_arn) {
            inner += " AND stage_arn = $4";
            p.push_back(*query.stage_arn);
        }
        inner += " GROUP BY snapshot_time";
        auto r = c.Prepared(query.stage_arn ? "timeseries_stage" : "timeseries_all",
                            "SELECT (t / $3::bigint) * $3::bigint AS bucket, "
                            "AVG(total)::float8, MAX(total), MIN(total), COUNT(*) FROM (" +
                                inner + ") s GROUP BY bucket ORDER BY bucket",
                            p);
        Points points;
        for (int i = 0; i < r.Rows(); ++i) {
            ports::TimeseriesPoint& pt = points.emplace_back();
            ReadColumns(PgRow(r, i), pt.bucket, pt.avg_viewers, pt.max_viewers, pt.min_viewers,
                        pt.samples);
        }
        return points;
    });
}

namespace {

// Retention deletes, oldest rows first: at most $2 rows older than $1.
const char* kDeleteOldSnapshots =
    "DELETE FROM viewer_stats_snapshots WHERE id IN (SELECT id FROM viewer_stats_snapshots "
    "WHERE snapshot_time < ivs_ms_to_ts($1::bigint) ORDER BY snapshot_time LIMIT $2::int)";
const char* kDeleteOldSessions =
    "DELETE FROM viewer_sessions WHERE id IN (SELECT id FROM viewer_sessions WHERE left_at IS "
    "NOT NULL AND joined_at < ivs_ms_to_ts($1::bigint) ORDER BY joined_at LIMIT $2::int)";

// One retention delete through the prepared `statement`; the job answers how many rows went.
auto DeleteBeforeJob(const char* statement, const char* sql, SystemTime t, int batch_limit) {
    return [=](PgConn& c) {
        return c.Prepared(statement, sql, {Ms(t), std::to_string(batch_limit)}).Affected();
    };
}

auto CloseOpenJob(SystemTime t, std::string reason) {
    return [t, reason = std::move(reason)](PgConn& c) {
        return c
            .Prepared("close_open",
                      "UPDATE viewer_sessions SET left_at = GREATEST(last_heartbeat, "
                      "joined_at), watch_duration_seconds = GREATEST(0, (ivs_ts_to_ms("
                      "GREATEST(last_heartbeat, joined_at)) - ivs_ts_to_ms(joined_at)) / "
                      "1000), end_reason = $2 WHERE left_at IS NULL AND last_heartbeat < "
                      "ivs_ms_to_ts($1::bigint)",
                      {Ms(t), reason})
            .Affected();
    };
}

}  // namespace

ports::HistoryStore::Async<std::int64_t> PgHistoryStore::DeleteSnapshotsBefore(SystemTime t,
                                                                               int batch_limit) {
    return Run<std::int64_t>(
        "delete snapshots",
        DeleteBeforeJob("delete_snapshots", kDeleteOldSnapshots, t, batch_limit));
}

ports::HistoryStore::Async<std::int64_t> PgHistoryStore::DeleteSessionsBefore(SystemTime t,
                                                                              int batch_limit) {
    return Run<std::int64_t>(
        "delete sessions", DeleteBeforeJob("delete_sessions", kDeleteOldSessions, t, batch_limit));
}

ports::HistoryStore::Async<std::int64_t> PgHistoryStore::CloseOpenSessions(SystemTime t,
                                                                           std::string reason) {
    return Run<std::int64_t>("close open sessions", CloseOpenJob(t, std::move(reason)));
}

Result<std::int64_t> PgHistoryStore::CloseOpenSessionsSync(SystemTime t, std::string reason) {
    return RunBlocking<std::int64_t>("close open sessions", CloseOpenJob(t, std::move(reason)));
}

ports::HistoryStore::Async<void> PgHistoryStore::Ping() {
    return Run<void>("ping", [](PgConn& c) { c.Prepared("ping", "SELECT 1", {}); });
}

asio::awaitable<Status> PgHistoryStore::SaveStage(ports::ArchivedStage s) {
    return Run<void>("save stage", [s = std::move(s)](PgConn& c) {
        c.Prepared(
            "save_stage",
            "INSERT INTO stages (stage_arn, stage_name, is_master, auto_scaled, state, "
            "created_at, draining_since, deleted_at, updated_at) VALUES ($1, $2, $3::bool, "
            "$4::bool, $5, ivs_ms_to_ts($6::bigint), ivs_ms_to_ts($7::bigint), "
            "ivs_ms_to_ts($8::bigint), now()) ON CONFLICT (stage_arn) DO UPDATE SET "
            "stage_name = EXCLUDED.stage_name, is_master = EXCLUDED.is_master, "
            "auto_scaled = EXCLUDED.auto_scaled, state = EXCLUDED.state, "
            "draining_since = EXCLUDED.draining_since, deleted_at = EXCLUDED.deleted_at, "
            "updated_at = now()",
            {s.arn, TextOrNull(s.name), s.is_master ? "true" : "false",
             s.auto_scaled ? "true" : "false", s.state.empty() ? "active" : s.state,
             Ms(s.created_at),
             s.draining_since ? std::optional<std::string>(Ms(*s.draining_since)) : std::nullopt,
             s.deleted_at ? std::optional<std::string>(Ms(*s.deleted_at)) : std::nullopt});
    });
}

asio::awaitable<Status> PgHistoryStore::MarkStageDeleted(std::string arn, SystemTime at) {
    return Run<void>("mark stage deleted", [arn = std::move(arn), at](PgConn& c) {
        c.Prepared("mark_stage_deleted",
                   "UPDATE stages SET state = 'deleted', deleted_at = ivs_ms_to_ts($2::bigint), "
                   "updated_at = now() WHERE stage_arn = $1",
                   {arn, Ms(at)});
    });
}

asio::awaitable<Result<std::vector<ports::ArchivedStage>>> PgHistoryStore::LoadStages() {
    using Stages = std::vector<ports::ArchivedStage>;
    return Run<Stages>("load stages", [](PgConn& c) {
        auto r = c.Prepared("load_stages",
                            "SELECT stage_arn, stage_name, is_master, auto_scaled, state, "
                            "ivs_ts_to_ms(created_at), ivs_ts_to_ms(draining_since) FROM "
                            "stages WHERE deleted_at IS NULL ORDER BY id",
                            {});
        Stages out;
        for (int i = 0; i < r.Rows(); ++i) {
            ports::ArchivedStage& s = out.emplace_back();
            ReadColumns(PgRow(r, i), s.arn, s.name, s.is_master, s.auto_scaled, s.state,
                        s.created_at, s.draining_since);
        }
        return out;
    });
}

}  // namespace ivs::adapters::history
