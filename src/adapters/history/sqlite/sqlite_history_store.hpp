#pragma once

#include <memory>
#include <string>

#include "adapters/history/sqlite/sqlite_db.hpp"
#include "adapters/history/worker_pool.hpp"
#include "ports/history_store.hpp"

namespace ivs::adapters::history {

struct SqliteStoreOptions {
    std::string path;                 // e.g. DATA_DIR/ivs.db
    std::size_t queue_cap = 20000;    // jobs waiting per thread set
};

// History store on one SQLite file in WAL mode: one writer thread (all writes, batched in
// transactions), one reader thread (reads see committed data without blocking the writer).
// The constructor creates the file and applies migrations; it throws std::runtime_error when
// the file cannot be opened or was migrated by a newer binary. Thread-safe.
class SqliteHistoryStore final : public ports::HistoryStore {
public:
    explicit SqliteHistoryStore(SqliteStoreOptions options);
    ~SqliteHistoryStore() override;

    // Blocking form of Apply for a caller that owns its own thread (the event sink).
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
    std::string_view Kind() const override { return "sqlite"; }
    // The writer and the reader thread together.
    ports::StorePoolState PoolState() const override {
        ports::StorePoolState out;
        for (const auto* p : {writer_.get(), reader_.get()}) {
            if (!p) continue;
            auto s = p->State();
            out.connections += s.connections;
            out.busy += s.busy;
            out.queued += s.queued;
        }
        return out;
    }

    boost::asio::awaitable<Status> SaveStage(ports::ArchivedStage stage) override;
    boost::asio::awaitable<Status> MarkStageDeleted(std::string arn, SystemTime at) override;
    boost::asio::awaitable<Result<std::vector<ports::ArchivedStage>>> LoadStages() override;

    // Waits for queued writes, then joins the threads. Later calls fail with unavailable.
    void Stop();

private:
    // `job(SqliteDb&)` as the `operation` of this store on the writer or the reader thread, its
    // driver errors turned into a Result.
    template <class T, class F>
    Async<T> OnWriter(std::string_view operation, F job);
    template <class T, class F>
    Async<T> OnReader(std::string_view operation, F job);

    SqliteStoreOptions options_;
    std::unique_ptr<WorkerPool<SqliteDb>> writer_;
    std::unique_ptr<WorkerPool<SqliteDb>> reader_;
};

}  // namespace ivs::adapters::history
