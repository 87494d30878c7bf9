#pragma once

#include <memory>

#include "adapters/history/postgres/pg_breaker.hpp"
#include "adapters/history/postgres/pg_conn.hpp"
#include "adapters/history/worker_pool.hpp"
#include "ports/history_store.hpp"

namespace ivs::adapters::history {

// History store on PostgreSQL 15 through libpq: `pool_size` connections, each owned by one
// worker thread fed from a bounded queue (the server's I/O threads never wait on the
// database; a full queue answers unavailable at once). Writes are batched into multi-row
// statements; reads use prepared statements. Connections reconnect with backoff. A hung server
// trips the pool's circuit breaker: calls then fail at once with unavailable until a probe is
// answered. Thread-safe.
class PgHistoryStore final : public ports::HistoryStore {
public:
    // Applies the migrations, retrying an unreachable server for up to `connect_wait`; throws
    // std::runtime_error when it stays unreachable or its schema is newer than this binary.
    PgHistoryStore(PgOptions options, std::chrono::seconds connect_wait);
    ~PgHistoryStore() override;

    // Blocking form of Apply for a caller that owns its own thread (the outbox drain).
    Status ApplySync(const ports::HistoryBatch& batch);
    // Blocking form of CloseOpenSessions (start-up recovery on the sink thread).
    Result<std::int64_t> CloseOpenSessionsSync(SystemTime t, std::string end_reason);

    Async<void> Apply(ports::HistoryBatch batch) override;
    Async<ports::HistoryPage> History(std::string user_id, int limit, std::string cursor) override;
    Async<ports::StageViewStats> StageStats(std::string stage_arn, SystemTime since) override;
    Async<void> InsertSnapshots(std::vector<ports::StatsSnapshot> snapshots) override;
    Async<std::vector<ports::TimeseriesPoint>> Timeseries(ports::TimeseriesQuery query) override;
    Async<std::int64_t> DeleteSnapshotsBefore(SystemTime t, int batch_limit) override;
    Async<std::int64_t> DeleteSessionsBefore(SystemTime t, int batch_limit) override;
    Async<std::int64_t> CloseOpenSessions(SystemTime t, std::string end_reason) override;
    Async<void> Ping() override;
    std::string_view Kind() const override { return "postgres"; }
    ports::StorePoolState PoolState() const override {
        return pool_ ? pool_->State() : ports::StorePoolState{};
    }

    boost::asio::awaitable<Status> SaveStage(ports::ArchivedStage stage) override;
    boost::asio::awaitable<Status> MarkStageDeleted(std::string arn, SystemTime at) override;
    boost::asio::awaitable<Result<std::vector<ports::ArchivedStage>>> LoadStages() override;

    void Stop();

    // True while the circuit breaker is open (calls fail at once).
    bool BreakerOpen() const { return breaker_ && breaker_->Open(); }

private:
    // `job(PgConn&)` as the `operation` of this store: failing at once while the breaker is
    // open, its driver errors turned into a Result.
    template <class T, class F>
    auto Guard(std::string_view operation, F job);
    template <class T, class F>
    Async<T> Run(std::string_view operation, F job);
    template <class T, class F>
    Result<T> RunBlocking(std::string_view operation, F job);

    PgOptions options_;
    std::unique_ptr<PgBreaker> breaker_;
    std::unique_ptr<WorkerPool<PgConn>> pool_;
};

// Applies the PostgreSQL migrations once (the `migrate` command). Throws on failure.
int MigratePostgresOnce(const PgOptions& options);

}  // namespace ivs::adapters::history
