#include "adapters/history/outbox/outbox_sink.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "adapters/history/row_reader.hpp"
#include "adapters/history/sqlite/sqlite_db.hpp"
#include "adapters/history/sqlite/sqlite_session_columns.hpp"
#include "adapters/history/store_common.hpp"

namespace ivs::adapters::history {

using ports::SessionEvent;
using Steady = std::chrono::steady_clock;

namespace {

constexpr int kStarted = 0;
constexpr int kEnded = 1;
constexpr int kHeartbeat = 2;

const char* kCreate = R"sql(
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind INTEGER NOT NULL,
  session_id TEXT NOT NULL,
  user_id TEXT, stage_arn TEXT, participant_id TEXT,
  joined_at INTEGER, left_at INTEGER, last_heartbeat INTEGER,
  end_reason TEXT, user_agent TEXT, ip_address TEXT
))sql";

}  // namespace

OutboxSink::OutboxSink(OutboxSinkOptions options) : options_(std::move(options)) {
    if (!options_.outbox_path.empty()) {
        try {
            outbox_ = std::make_unique<SqliteDb>(options_.outbox_path, false);
            outbox_->Exec(kCreate);
            auto& q = outbox_->Prepare("SELECT COUNT(*) FROM outbox");
            if (q.Step()) backlog_ = static_cast<std::size_t>(q.Int(0));
            q.Reset();
        } catch (const std::exception& e) {
            throw std::runtime_error("history outbox " + options_.outbox_path + ": " + e.what());
        }
        pending_ = backlog_;
        if (backlog_ > 0) {
            spdlog::info("history outbox: {} event(s) from a previous run to apply", backlog_);
        }
    }
    thread_ = std::thread([this] { Loop(); });
}

OutboxSink::~OutboxSink() { Stop(std::chrono::milliseconds(0)); }

void OutboxSink::Enqueue(Item item) {
    {
        std::lock_guard lock(mu_);
        if (stopped_ || stopping_ || queue_.size() >= options_.queue_cap) {
            auto n = ++dropped_;
            if (n == 1 || n % 1000 == 0) {
                spdlog::error("history sink: {} event(s) dropped ({})", n,
                              stopped_ || stopping_ ? "stopped" : "queue full");
            }
            Release(item);
            return;
        }
        queue_.push_back(std::move(item));
        ++pending_;
    }
    cv_.notify_one();
}

void OutboxSink::Publish(SessionEvent event) { Enqueue(Item{false, std::move(event), {}}); }

boost::asio::awaitable<void> OutboxSink::PublishDurably(SessionEvent event) {
    // Named, not a temporary inside the co_await expression (GCC 12 coroutine temporaries).
    auto initiation = [this](auto handler, SessionEvent e) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        // The sink thread resumes the caller on the caller's own executor.
        Enqueue(Item{false, std::move(e), [shared] { boost::asio::post(std::move(*shared)); }});
    };
    co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
        std::move(initiation), boost::asio::use_awaitable, std::move(event));
}

void OutboxSink::RecordHeartbeats(std::vector<ports::HeartbeatCheckpoint> checkpoints) {
    for (auto& c : checkpoints) {
        SessionEvent e;
        e.session_id = std::move(c.session_id);
        e.last_heartbeat = c.at;
        Enqueue(Item{true, std::move(e), {}});
    }
}

void OutboxSink::Stop(std::chrono::milliseconds deadline) {
    {
        std::lock_guard lock(mu_);
        if (stopped_) return;
        if (!stopping_) {
            stopping_ = true;
            stop_deadline_ = Steady::now() + deadline;
        }
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mu_);
    stopped_ = true;
    if (pending_ > 0) {
        spdlog::warn("history sink stopped with {} event(s) not yet applied{}", pending_.load(),
                     outbox_ ? " (kept in the outbox for the next start)" : "");
    }
}

std::size_t OutboxSink::Pending() const { return pending_; }
std::uint64_t OutboxSink::Applied() const { return applied_; }
std::uint64_t OutboxSink::Dropped() const { return dropped_; }

void OutboxSink::Fail(std::string_view what, const std::string& why) {
    backoff_ = std::min(options_.max_backoff,
                        backoff_.count() == 0 ? std::chrono::milliseconds(100) : backoff_ * 2);
    retry_at_ = Steady::now() + backoff_;
    if (!failing_) spdlog::warn("history sink: {} failed, will retry: {}", what, why);
    failing_ = true;
}

bool OutboxSink::Persist(std::deque<Item>& items) {
    if (items.empty()) return true;
    if (!outbox_) {
        backlog_ += items.size();
        for (auto& i : items) memory_pending_.push_back(std::move(i));
        items.clear();
        return true;
    }
    try {
        SqliteTransaction tx(*outbox_);
        for (const Item& i : items) {
            const SessionEvent& e = i.event;
            int kind = i.heartbeat ? kHeartbeat
                                   : (e.kind == SessionEvent::Kind::started ? kStarted : kEnded);
            auto& insert = outbox_->Prepare(
                "INSERT INTO outbox (kind, session_id, user_id, stage_arn, participant_id, "
                "joined_at, left_at, last_heartbeat, end_reason, user_agent, ip_address) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
            BindSessionEvent(insert.Bind(1, std::int64_t{kind}), 2, e).Run();
        }
        tx.Commit();
    } catch (const std::exception& e) {
        spdlog::error("history outbox: cannot store {} event(s): {}", items.size(), e.what());
        for (auto& i : items) Release(i);  // not durable yet; retried from the queue
        return false;
    }
    for (auto& i : items) Release(i);
    backlog_ += items.size();
    items.clear();
    return true;
}

bool OutboxSink::DrainOnce() {
    if (backlog_ == 0) return false;
    ports::HistoryBatch batch;
    std::size_t taken = 0;
    std::int64_t last_seq = 0;
    auto add = [&batch](const Item& i) {
        if (i.heartbeat) {
            batch.heartbeats.push_back({i.event.session_id, i.event.last_heartbeat});
        } else {
            batch.events.push_back(i.event);
        }
    };
    if (outbox_) {
        try {
            auto& q = outbox_->Prepare(
                "SELECT seq, kind, session_id, user_id, stage_arn, participant_id, joined_at, "
                "left_at, last_heartbeat, end_reason, user_agent, ip_address FROM outbox "
                "ORDER BY seq LIMIT ?1");
            q.Bind(1, static_cast<std::int64_t>(options_.batch_max));
            while (q.Step()) {
                Item i;
                SessionEvent& e = i.event;
                int kind = 0;
                ReadColumns(q, last_seq, kind, e.session_id, e.user_id, e.stage_arn,
                            e.participant_id, e.joined_at, e.left_at, e.last_heartbeat,
                            e.end_reason, e.user_agent, e.ip_address);
                i.heartbeat = kind == kHeartbeat;
                e.kind = kind == kEnded ? SessionEvent::Kind::ended : SessionEvent::Kind::started;
                add(i);
                ++taken;
            }
            q.Reset();
        } catch (const std::exception& e) {
            Fail("reading the outbox", e.what());
            return false;
        }
    } else {
        for (; taken < memory_pending_.size() && taken < options_.batch_max; ++taken) {
            add(memory_pending_[taken]);
        }
    }
    if (taken == 0) {
        backlog_ = 0;
        return false;
    }

    Status applied = options_.apply(batch);
    if (!applied) {
        Fail("writing history", applied.error().message);
        ReleaseMemoryPending();  // nobody waits through the back-off
        return false;
    }
    if (outbox_) {
        try {
            outbox_->Prepare("DELETE FROM outbox WHERE seq <= ?1").Bind(1, last_seq).Run();
        } catch (const std::exception& e) {
            // Applying again later is harmless: the store is idempotent by session_id.
            Fail("trimming the outbox", e.what());
            return false;
        }
    } else {
        for (std::size_t i = 0; i < taken; ++i) Release(memory_pending_[i]);
        memory_pending_.erase(memory_pending_.begin(),
                              memory_pending_.begin() + static_cast<std::ptrdiff_t>(taken));
    }
    backlog_ -= std::min(backlog_, taken);
    pending_ -= std::min(pending_.load(), taken);
    applied_ += taken;
    if (failing_) spdlog::info("history sink: writing history again");
    failing_ = false;
    backoff_ = std::chrono::milliseconds(0);
    return true;
}

void OutboxSink::ReleaseMemoryPending() {
    for (auto& i : memory_pending_) Release(i);
}

void OutboxSink::Loop() {
    bool stop_seen = false;
    for (;;) {
        std::deque<Item> incoming;
        bool stopping = false;
        {
            std::unique_lock lock(mu_);
            auto wake = [&] { return (stopping_ && !stop_seen) || !queue_.empty(); };
            bool retry_due = backlog_ > 0 && Steady::now() >= retry_at_;
            bool first_drain_due = backlog_ == 0 && !first_drain_done_ &&
                                   options_.after_first_drain && Steady::now() >= retry_at_;
            if (!retry_due && !first_drain_due) {
                if (backlog_ > 0 || !first_drain_done_) {
                    auto until = std::max(retry_at_, Steady::now() + std::chrono::milliseconds(1));
                    cv_.wait_until(lock, until, wake);
                } else {
                    cv_.wait_for(lock, std::chrono::seconds(1), wake);
                }
            }
            incoming.swap(queue_);
            stopping = stopping_;
            stop_seen = stopping;
        }
        if (!Persist(incoming)) {
            // Keep the order: put them back in front of anything newer.
            std::lock_guard lock(mu_);
            for (auto it = incoming.rbegin(); it != incoming.rend(); ++it) {
                queue_.push_front(std::move(*it));
            }
            if (stopping) break;
            Fail("storing events", "outbox write failed");
            continue;
        }
        // Without an outbox file events are applied straight from memory, and a caller waiting
        // for one resumes once it is in the history store; nobody waits through a back-off.
        if (Steady::now() >= retry_at_) {
            DrainOnce();
        } else {
            ReleaseMemoryPending();
        }
        if (backlog_ == 0 && !first_drain_done_ && Steady::now() >= retry_at_) {
            if (!options_.after_first_drain) {
                first_drain_done_ = true;
            } else {
                Status s = options_.after_first_drain();
                if (s) {
                    first_drain_done_ = true;
                } else {
                    Fail("start-up recovery", s.error().message);
                }
            }
        }
        if (stopping) {
            bool empty;
            {
                std::lock_guard lock(mu_);
                empty = queue_.empty();
            }
            if ((empty && backlog_ == 0) || Steady::now() >= stop_deadline_) break;
            if (backlog_ > 0 && retry_at_ > stop_deadline_) break;
        }
    }
    // Stopped: nobody keeps waiting for events that stay unapplied.
    ReleaseMemoryPending();
    std::lock_guard lock(mu_);
    for (auto& i : queue_) Release(i);
}

}  // namespace ivs::adapters::history
