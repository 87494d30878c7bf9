#pragma once

#include <chrono>
#include <condition_variable>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "core/error.hpp"
#include "ports/history_store.hpp"

namespace ivs::adapters::history {

class SqliteDb;

struct OutboxSinkOptions {
    // Local durable outbox (e.g. DATA_DIR/outbox.db): events are committed there first and
    // deleted once applied. Empty: events are applied straight from memory (SQLite mode, where
    // the history database itself is the durable store).
    std::string outbox_path;
    // Applies one batch to the history store, blocking; called only on the sink thread.
    std::function<Status(const ports::HistoryBatch&)> apply;
    // Runs once on the sink thread after everything queued at start has been applied (crash
    // recovery); retried with backoff until it succeeds. Optional.
    std::function<Status()> after_first_drain;
    std::size_t queue_cap = 200000;  // events waiting in memory; beyond it new ones are dropped
    std::size_t batch_max = 1000;
    std::chrono::milliseconds max_backoff{5000};
};

// The durable SessionEventSink: Publish and RecordHeartbeats only enqueue (never block); one
// thread moves events into the outbox and applies them in batches, retrying with backoff
// while the history store is down. Thread-safe.
class OutboxSink final : public ports::HistorySink {
public:
    explicit OutboxSink(OutboxSinkOptions options);  // throws when the outbox cannot be opened
    ~OutboxSink() override;

    void Publish(ports::SessionEvent event) override;
    // Resumes once the event is committed: in the outbox file, or (without one) in the history
    // store itself; at once while writing fails (the event stays queued and is retried).
    boost::asio::awaitable<void> PublishDurably(ports::SessionEvent event) override;
    void RecordHeartbeats(std::vector<ports::HeartbeatCheckpoint> checkpoints) override;

    // Moves what is queued into the outbox, tries to apply it for up to `deadline`, then stops
    // the thread. Events still unapplied stay in the outbox file for the next start. Later
    // events are dropped with a warning.
    void Stop(std::chrono::milliseconds deadline);

    // Events and checkpoints not yet applied (memory queue + outbox).
    std::size_t Pending() const;
    std::uint64_t Applied() const;
    std::uint64_t Dropped() const;

private:
    struct Item {
        bool heartbeat = false;  // a checkpoint: session_id + last_heartbeat only
        ports::SessionEvent event;
        std::function<void()> on_durable;  // run once: committed, or cannot be for now
    };
    static void Release(Item& item) {
        if (auto done = std::exchange(item.on_durable, nullptr)) done();
    }
    void Loop();
    bool DrainOnce();  // true when something was applied and more may follow
    bool Persist(std::deque<Item>& items);
    void ReleaseMemoryPending();
    void Fail(std::string_view what, const std::string& why);
    void Enqueue(Item item);

    OutboxSinkOptions options_;
    std::unique_ptr<SqliteDb> outbox_;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Item> queue_;          // published, not yet handed to the sink thread
    bool stopping_ = false;
    bool stopped_ = false;
    std::chrono::steady_clock::time_point stop_deadline_{};

    // Sink thread only.
    std::deque<Item> memory_pending_;  // without an outbox file
    std::chrono::milliseconds backoff_{0};
    std::chrono::steady_clock::time_point retry_at_{};
    std::size_t backlog_ = 0;          // items in the outbox file or memory_pending_
    bool first_drain_done_ = false;
    bool failing_ = false;

    std::atomic<std::size_t> pending_{0};
    std::atomic<std::uint64_t> applied_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::thread thread_;
};

}  // namespace ivs::adapters::history
