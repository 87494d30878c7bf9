#include "adapters/redis/redis_session_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <deque>
#include <mutex>

#include "core/json_fields.hpp"

namespace ivs::adapters::redis {
namespace asio = boost::asio;
namespace json = boost::json;
using ports::HeartbeatCheckpoint;
using ports::HistoryBatch;
using ports::SessionEvent;

namespace {

constexpr const char* kGroup = "history";

std::string EncodeEvent(const SessionEvent& e) {
    json::object o{{"k", e.kind == SessionEvent::Kind::started ? "started" : "ended"},
                   {"sid", e.session_id},
                   {"uid", e.user_id},
                   {"stage", e.stage_arn},
                   {"pid", e.participant_id},
                   {"joined", ToUnixMillis(e.joined_at)},
                   {"left", ToUnixMillis(e.left_at)},
                   {"hb", ToUnixMillis(e.last_heartbeat)},
                   {"reason", e.end_reason},
                   {"ua", e.user_agent},
                   {"ip", e.ip_address}};
    return json::serialize(o);
}

std::string EncodeCheckpoints(const std::vector<HeartbeatCheckpoint>& items) {
    json::array a;
    a.reserve(items.size());
    for (const auto& c : items) a.push_back(json::array{json::string(c.session_id), ToUnixMillis(c.at)});
    return json::serialize(json::object{{"k", "hb"}, {"items", std::move(a)}});
}


// A time in Unix ms: written as an integer by this process, possibly as a double by the hot
// store's Lua scripts (cjson).
SystemTime Millis(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v && v->is_double()) return FromUnixMillis(static_cast<std::int64_t>(v->get_double()));
    return json_fields::UnixMillis(o, key);
}

// Adds one stream entry's payload to the batch; false when it cannot be decoded.
bool Decode(const std::string& payload, HistoryBatch& batch) {
    boost::system::error_code ec;
    json::value v = json::parse(payload, ec);
    if (ec || !v.is_object()) return false;
    const auto& o = v.as_object();
    const std::string kind = json_fields::String(o, "k");
    if (kind == "hb") {
        auto* items = o.if_contains("items");
        if (!items || !items->is_array()) return false;
        for (const auto& item : items->as_array()) {
            if (!item.is_array() || item.as_array().size() < 2) continue;
            const auto& pair = item.as_array();
            if (!pair[0].is_string() || !pair[1].is_int64()) continue;
            batch.heartbeats.push_back(
                {std::string(pair[0].as_string()), FromUnixMillis(pair[1].as_int64())});
        }
        return true;
    }
    if (kind != "started" && kind != "ended") return false;
    SessionEvent e;
    e.kind = kind == "started" ? SessionEvent::Kind::started : SessionEvent::Kind::ended;
    e.session_id = json_fields::String(o, "sid");
    e.user_id = json_fields::String(o, "uid");
    e.stage_arn = json_fields::String(o, "stage");
    e.participant_id = json_fields::String(o, "pid");
    e.joined_at = Millis(o, "joined");
    e.left_at = Millis(o, "left");
    e.last_heartbeat = Millis(o, "hb");
    e.end_reason = json_fields::String(o, "reason");
    e.user_agent = json_fields::String(o, "ua");
    e.ip_address = json_fields::String(o, "ip");
    if (e.session_id.empty()) return false;
    batch.events.push_back(std::move(e));
    return true;
}

// Entries of an XREADGROUP / XAUTOCLAIM answer: [id, [field, value, ...] | nil].
struct Entry {
    std::string id;
    std::optional<std::string> payload;
};

void CollectEntries(const RedisReply& list, std::vector<Entry>& out) {
    if (!list.IsArray()) return;
    for (const auto& e : list.elements) {
        if (!e.IsArray() || e.elements.empty()) continue;
        Entry entry{e.elements[0].str, std::nullopt};
        if (e.elements.size() > 1 && e.elements[1].IsArray()) {
            const auto& fields = e.elements[1].elements;
            for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
                if (fields[i].str == "e") entry.payload = fields[i + 1].str;
            }
        }
        out.push_back(std::move(entry));
    }
}

class RedisSessionStreamImpl final : public RedisSessionStream,
                                     public std::enable_shared_from_this<RedisSessionStreamImpl> {
public:
    RedisSessionStreamImpl(asio::io_context& ioc, std::shared_ptr<RedisClient> client,
                           std::string consumer, SessionStreamOptions options)
        : ioc_(ioc),
          client_(std::move(client)),
          consumer_(std::move(consumer)),
          options_(options),
          key_(client_->KeyPrefix() + "{outbox}") {}

    void Publish(SessionEvent event) override { Enqueue(EncodeEvent(event)); }

    void RecordHeartbeats(std::vector<HeartbeatCheckpoint> checkpoints) override {
        if (!checkpoints.empty()) Enqueue(EncodeCheckpoints(checkpoints));
    }

    void StartDrain(std::shared_ptr<ports::HistoryStore> store,
                    std::shared_ptr<ports::Leadership> leadership) override {
        store_ = std::move(store);
        leadership_ = std::move(leadership);
        asio::co_spawn(ioc_, [self = shared_from_this()] { return self->DrainLoop(); },
                       asio::detached);
    }

    asio::awaitable<void> Stop(std::chrono::milliseconds grace) override {
        stopping_ = true;
        asio::steady_timer timer(ioc_);
        const auto until = std::chrono::steady_clock::now() + grace;
        while (QueuedLocally() > 0 && std::chrono::steady_clock::now() < until) {
            timer.expires_after(std::chrono::milliseconds(20));
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        if (auto n = QueuedLocally(); n > 0) {
            spdlog::warn("{} session event(s) could not reach Redis before shutdown", n);
        }
    }

    std::size_t QueuedLocally() const override {
        std::lock_guard lock(mu_);
        return queue_.size() + (sending_ ? 1 : 0);
    }

private:
    void Enqueue(std::string payload) {
        bool start = false;
        {
            std::lock_guard lock(mu_);
            if (queue_.size() >= options_.max_local_queue) {
                queue_.pop_front();
                if (dropped_++ % 1000 == 0) {
                    spdlog::error("session event queue full ({} entries): oldest dropped",
                                  options_.max_local_queue);
                }
            }
            queue_.push_back(std::move(payload));
            if (!writing_) writing_ = start = true;
        }
        if (start) {
            asio::co_spawn(ioc_, [self = shared_from_this()] { return self->WriteLoop(); },
                           asio::detached);
        }
    }

    asio::awaitable<void> WriteLoop() {
        asio::steady_timer timer(ioc_);
        for (;;) {
            std::string payload;
            {
                std::lock_guard lock(mu_);
                if (queue_.empty()) {
                    writing_ = false;
                    co_return;
                }
                payload = std::move(queue_.front());
                queue_.pop_front();
                sending_ = true;
            }
            std::vector<std::string> args{"XADD", key_, "MAXLEN", "~",
                                          std::to_string(options_.max_stream_length), "*", "e",
                                          payload};
            auto r = co_await client_->Command(std::move(args));
            {
                std::lock_guard lock(mu_);
                sending_ = false;
                if (!r) queue_.push_front(std::move(payload));
            }
            if (!r) {
                // Redis unreachable: the event stays first in line; try again shortly.
                timer.expires_after(std::chrono::milliseconds(250));
                co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            }
        }
    }

    asio::awaitable<void> DrainLoop() {
        asio::steady_timer timer(ioc_);
        bool group_ready = false;
        while (!stopping_.load()) {
            bool more = false;
            if (leadership_->IsLeader()) {
                if (!group_ready) group_ready = co_await EnsureGroup();
                if (group_ready) {
                    auto n = co_await DrainOnce();
                    if (!n) {
                        if (n.error().message == "NOGROUP") group_ready = false;
                    } else {
                        more = *n >= options_.batch_size;
                    }
                }
            }
            if (!more) {
                timer.expires_after(options_.poll_interval);
                co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            }
        }
    }

    asio::awaitable<bool> EnsureGroup() {
        std::vector<std::string> args{"XGROUP", "CREATE", key_, kGroup, "0", "MKSTREAM"};
        auto r = co_await client_->Execute(std::move(args));
        co_return r && (!r->IsError() || r->str.rfind("BUSYGROUP", 0) == 0);
    }

    // Reads one batch (a dead consumer's, our own unacknowledged, or new entries), applies it and
    // acknowledges it. Returns how many entries it handled.
    asio::awaitable<Result<std::size_t>> DrainOnce() {
        const std::string count = std::to_string(options_.batch_size);
        auto now = std::chrono::steady_clock::now();
        if (now - last_claim_ >= options_.claim_idle / 3) {
            last_claim_ = now;
            std::vector<std::string> args{"XAUTOCLAIM", key_, kGroup, consumer_,
                                          std::to_string(options_.claim_idle.count()), "0-0",
                                          "COUNT", count, "JUSTID"};
            co_await client_->Execute(std::move(args));
        }
        std::vector<Entry> entries;
        // Own unacknowledged entries first ("0"), then new ones (">").
        const std::array<std::string, 2> sources{"0", ">"};
        for (const std::string& from : sources) {
            std::vector<std::string> args{"XREADGROUP", "GROUP", kGroup, consumer_, "COUNT",
                                          count,        "STREAMS", key_, from};
            auto r = co_await client_->Execute(std::move(args));
            if (!r) co_return r.error();
            if (r->IsError()) {
                if (r->str.rfind("NOGROUP", 0) == 0) co_return Error(Errc::internal, "NOGROUP");
                spdlog::warn("reading the session outbox failed: {}", r->str);
                co_return Error(Errc::internal, "outbox read failed");
            }
            // [[key, [entries]]] or nil
            if (r->IsArray() && !r->elements.empty() && r->elements[0].IsArray() &&
                r->elements[0].elements.size() >= 2) {
                CollectEntries(r->elements[0].elements[1], entries);
            }
            if (!entries.empty()) break;
        }
        if (entries.empty()) co_return std::size_t{0};

        HistoryBatch batch;
        for (const auto& e : entries) {
            if (e.payload && !Decode(*e.payload, batch)) {
                spdlog::error("session outbox entry {} cannot be decoded; skipped", e.id);
            }
        }
        if (!batch.Empty()) {
            auto applied = co_await store_->Apply(batch);
            if (!applied) {
                // Not acknowledged: the same entries are read again on the next pass.
                if (failures_++ % 50 == 0) {
                    spdlog::warn("history store rejected {} outbox entries ({}); will retry",
                                 entries.size(), applied.error().message);
                }
                co_return applied.error();
            }
        }
        failures_ = 0;
        std::vector<std::string> ack{"XACK", key_, kGroup};
        std::vector<std::string> del{"XDEL", key_};
        for (const auto& e : entries) {
            ack.push_back(e.id);
            del.push_back(e.id);
        }
        auto acked = co_await client_->Command(std::move(ack));
        if (!acked) co_return acked.error();
        co_await client_->Command(std::move(del));
        co_return entries.size();
    }

    asio::io_context& ioc_;
    std::shared_ptr<RedisClient> client_;
    std::string consumer_;
    SessionStreamOptions options_;
    std::string key_;
    std::shared_ptr<ports::HistoryStore> store_;
    std::shared_ptr<ports::Leadership> leadership_;

    mutable std::mutex mu_;
    std::deque<std::string> queue_;
    bool writing_ = false;
    bool sending_ = false;
    std::uint64_t dropped_ = 0;
    std::atomic<bool> stopping_{false};
    std::chrono::steady_clock::time_point last_claim_{};
    std::uint64_t failures_ = 0;
};

}  // namespace

std::shared_ptr<RedisSessionStream> MakeRedisSessionStream(asio::io_context& ioc,
                                                           std::shared_ptr<RedisClient> client,
                                                           std::string consumer_name,
                                                           SessionStreamOptions options) {
    return std::make_shared<RedisSessionStreamImpl>(ioc, std::move(client),
                                                    std::move(consumer_name), options);
}

}  // namespace ivs::adapters::redis
