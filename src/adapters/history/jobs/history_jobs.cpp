#include "adapters/history/jobs/history_jobs.hpp"

#include <spdlog/spdlog.h>

namespace ivs::adapters::history {

namespace asio = boost::asio;

HistoryJobs::HistoryJobs(asio::any_io_executor executor,
                         std::shared_ptr<ports::HistoryStore> store,
                         std::shared_ptr<ports::AudienceStats> audience,
                         std::shared_ptr<ports::Leadership> leadership, Clock& clock,
                         HistoryJobsOptions options)
    : snapshots_(std::make_shared<PeriodicTask>(
          asio::make_strand(executor),
          PeriodicTask::Options{.name = "history snapshot",
                                .first_wait = options.snapshot_interval,
                                .after_throw = options.snapshot_interval,
                                .stop_wait = std::chrono::seconds(5)},
          [this] { return SnapshotStep(); })),
      retention_(std::make_shared<PeriodicTask>(
          snapshots_->Executor(),
          PeriodicTask::Options{.name = "history retention",
                                .first_wait = options.retention_first_run,
                                .after_throw = options.retention_interval,
                                .stop_wait = std::chrono::seconds(5)},
          [this] { return RetentionStep(); })),
      store_(std::move(store)),
      audience_(std::move(audience)),
      leadership_(std::move(leadership)),
      clock_(clock),
      options_(options) {}

void HistoryJobs::Start() {
    snapshots_->Start(shared_from_this());
    retention_->Start(shared_from_this());
}

asio::awaitable<void> HistoryJobs::Stop() {
    return PeriodicTask::StopAll({snapshots_, retention_});
}

asio::awaitable<Result<int>> HistoryJobs::SnapshotOnce() {
    if (!audience_) co_return 0;
    auto snap = co_await audience_->Snapshot();
    if (!snap) co_return snap.error();
    SystemTime at = clock_.Now();
    std::vector<ports::StatsSnapshot> rows;
    rows.reserve(snap->stages.size());
    for (const auto& s : snap->stages) rows.push_back({s.stage_arn, at, s.viewers});
    if (rows.empty()) co_return 0;
    auto n = static_cast<int>(rows.size());
    auto written = co_await store_->InsertSnapshots(std::move(rows));
    if (!written) co_return written.error();
    co_return n;
}

asio::awaitable<Result<std::int64_t>> HistoryJobs::DeleteInBatches(DeleteBefore remove,
                                                                   SystemTime cutoff) {
    std::int64_t total = 0;
    for (;;) {
        auto n = co_await ((*store_).*remove)(cutoff, options_.delete_batch);
        if (!n) co_return n.error();
        total += *n;
        if (*n < options_.delete_batch || retention_->Stopping()) co_return total;
    }
}

asio::awaitable<Result<std::int64_t>> HistoryJobs::RetentionOnce() {
    auto now = clock_.Now();
    auto days_ago = [now](int days) { return now - std::chrono::hours(24) * days; };
    auto snapshots = co_await DeleteInBatches(&ports::HistoryStore::DeleteSnapshotsBefore,
                                              days_ago(options_.retention_days));
    if (!snapshots || options_.session_retention_days <= 0) co_return snapshots;
    auto sessions = co_await DeleteInBatches(&ports::HistoryStore::DeleteSessionsBefore,
                                             days_ago(options_.session_retention_days));
    if (!sessions) co_return sessions.error();
    co_return *snapshots + *sessions;
}

bool HistoryJobs::Leading() const { return leadership_ && leadership_->IsLeader(); }

asio::awaitable<PeriodicTask::Wait> HistoryJobs::SnapshotStep() {
    if (Leading()) {
        auto r = co_await SnapshotOnce();
        if (!r) spdlog::warn("history snapshot skipped: {}", r.error().message);
    }
    co_return options_.snapshot_interval;
}

asio::awaitable<PeriodicTask::Wait> HistoryJobs::RetentionStep() {
    PeriodicTask::Wait wait = options_.retention_interval;
    if (!Leading()) co_return wait;
    auto r = co_await RetentionOnce();
    if (!r) {
        spdlog::warn("history retention failed, retrying in 5 minutes: {}", r.error().message);
        wait = std::min<PeriodicTask::Wait>(wait, std::chrono::minutes(5));
    } else if (*r > 0) {
        spdlog::info("history retention deleted {} row(s)", *r);
    }
    co_return wait;
}

}  // namespace ivs::adapters::history
