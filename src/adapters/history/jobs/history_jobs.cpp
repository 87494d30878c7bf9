#include "adapters/history/jobs/history_jobs.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace ivs::adapters::history {

namespace asio = boost::asio;

HistoryJobs::HistoryJobs(asio::any_io_executor executor,
                         std::shared_ptr<ports::HistoryStore> store,
                         std::shared_ptr<ports::AudienceStats> audience,
                         std::shared_ptr<ports::Leadership> leadership, Clock& clock,
                         HistoryJobsOptions options)
    : strand_(asio::make_strand(executor)),
      store_(std::move(store)),
      audience_(std::move(audience)),
      leadership_(std::move(leadership)),
      clock_(clock),
      options_(options),
      snapshot_timer_(strand_),
      retention_timer_(strand_) {}

void HistoryJobs::Start() {
    auto self = shared_from_this();
    running_ += 2;
    asio::co_spawn(strand_, [self]() { return self->SnapshotLoop(); }, asio::detached);
    asio::co_spawn(strand_, [self]() { return self->RetentionLoop(); }, asio::detached);
}

asio::awaitable<void> HistoryJobs::Stop() {
    auto self = shared_from_this();
    asio::post(strand_, [self] {
        self->stopping_ = true;
        self->snapshot_timer_.cancel();
        self->retention_timer_.cancel();
    });
    asio::steady_timer wait(co_await asio::this_coro::executor);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (running_ > 0 && std::chrono::steady_clock::now() < deadline) {
        wait.expires_after(std::chrono::milliseconds(10));
        co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
    }
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

asio::awaitable<Result<std::int64_t>> HistoryJobs::RetentionOnce() {
    std::int64_t total = 0;
    auto now = clock_.Now();
    auto snapshot_cutoff = now - std::chrono::hours(24) * options_.retention_days;
    for (;;) {
        auto n = co_await store_->DeleteSnapshotsBefore(snapshot_cutoff, options_.delete_batch);
        if (!n) co_return n.error();
        total += *n;
        if (*n < options_.delete_batch || stopping_) break;
    }
    if (options_.session_retention_days > 0) {
        auto session_cutoff = now - std::chrono::hours(24) * options_.session_retention_days;
        for (;;) {
            auto n = co_await store_->DeleteSessionsBefore(session_cutoff, options_.delete_batch);
            if (!n) co_return n.error();
            total += *n;
            if (*n < options_.delete_batch || stopping_) break;
        }
    }
    co_return total;
}

asio::awaitable<void> HistoryJobs::SnapshotLoop() {
    auto self = shared_from_this();
    while (!stopping_) {
        snapshot_timer_.expires_after(options_.snapshot_interval);
        co_await snapshot_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (stopping_) break;
        if (!leadership_ || !leadership_->IsLeader()) continue;
        try {
            auto r = co_await SnapshotOnce();
            if (!r) spdlog::warn("history snapshot skipped: {}", r.error().message);
        } catch (const std::exception& e) {
            spdlog::error("history snapshot failed: {}", e.what());
        }
    }
    --running_;
}

asio::awaitable<void> HistoryJobs::RetentionLoop() {
    auto self = shared_from_this();
    auto wait = options_.retention_first_run;
    while (!stopping_) {
        retention_timer_.expires_after(wait);
        co_await retention_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (stopping_) break;
        wait = options_.retention_interval;
        if (!leadership_ || !leadership_->IsLeader()) continue;
        try {
            auto r = co_await RetentionOnce();
            if (!r) {
                spdlog::warn("history retention failed, retrying in 5 minutes: {}",
                             r.error().message);
                wait = std::min<std::chrono::seconds>(wait, std::chrono::minutes(5));
            } else if (*r > 0) {
                spdlog::info("history retention deleted {} row(s)", *r);
            }
        } catch (const std::exception& e) {
            spdlog::error("history retention failed: {}", e.what());
        }
    }
    --running_;
}

}  // namespace ivs::adapters::history
