#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/redis/redis_client.hpp"
#include "adapters/redis/redis_reply.hpp"
#include "core/error.hpp"

struct redisReader;

namespace ivs::adapters::redis {

// A waiting caller: completed exactly once, on the caller's own executor.
class ReplyCallback {
public:
    virtual ~ReplyCallback() = default;
    virtual void Complete(Result<RedisReply> result) = 0;
};

template <class Handler, class Fallback>
class HandlerCallback final : public ReplyCallback {
public:
    HandlerCallback(Handler h, Fallback fallback) : handler_(std::move(h)), fallback_(fallback) {}
    void Complete(Result<RedisReply> result) override {
        auto ex = boost::asio::get_associated_executor(handler_, fallback_);
        // Posted, never run inline: the caller must not resume on the connection's strand.
        boost::asio::post(ex, [h = std::move(handler_), r = std::move(result)]() mutable {
            std::move(h)(std::move(r));
        });
    }

private:
    Handler handler_;
    Fallback fallback_;
};

template <class Handler, class Fallback>
std::unique_ptr<ReplyCallback> MakeReplyCallback(Handler h, Fallback fallback) {
    return std::make_unique<HandlerCallback<Handler, Fallback>>(std::move(h), fallback);
}

// The TLS client context of `options`: peer verification against options.tls_ca_file, or the
// system store when it is empty.
std::shared_ptr<boost::asio::ssl::context> MakeTlsContext(const RedisOptions& options);

// Formats one command in RESP with hiredis.
std::string FormatCommand(const std::vector<std::string>& args);

// One Redis connection on its own strand: a write buffer that collects every command submitted
// while a write is in flight (pipelining), a FIFO of waiting callers matched to replies in
// order, a watchdog enforcing the command deadline, and reconnection with backoff.
//
// Before the first connection attempt ends, commands wait (up to their deadline); after a
// failure (a timeout included) they fail at once with Errc::unavailable until the connection is
// back, which takes a TIME answered within the connect timeout: a stalled Redis trips the
// connection open, and only a probe that succeeds closes it again.
//
// In push mode (`on_push` set) every reply after the handshake goes to `on_push` (pub/sub);
// the `after_connect` commands (e.g. SUBSCRIBE) are sent on each (re)connection. Thread-safe.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    using Handler = std::unique_ptr<ReplyCallback>;
    using PushHandler = std::function<void(RedisReply)>;

    Connection(boost::asio::io_context& ioc, const RedisOptions& options,
               std::shared_ptr<boost::asio::ssl::context> tls, PushHandler on_push = {},
               std::vector<std::vector<std::string>> after_connect = {});
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void Start();
    void Stop();
    // Another connection to the same Redis timed out: treat this one as stalled too (its
    // waiting calls fail at once with Errc::timeout and it reconnects through the probe).
    void Trip();
    // Queues a formatted command; `handler` runs on its own associated executor.
    void Submit(std::string formatted, Handler handler);
    bool Ready() const { return state_.load() == State::ready; }
    // Redis's clock minus ours, measured when the connection was last established.
    std::chrono::milliseconds ClockOffset() const {
        return std::chrono::milliseconds(clock_offset_ms_.load());
    }

private:
    enum class State { initial, ready, down, stopped };
    using Stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
    // One TCP/TLS connection and its buffers; kept alive by the operations using it.
    struct Link {
        Link(boost::asio::strand<boost::asio::io_context::executor_type>& strand,
             boost::asio::ssl::context& tls)
            : stream(strand, tls), read_buf(64 * 1024) {}
        Stream stream;
        std::vector<char> read_buf;
        std::string write_buf;
    };
    struct Pending {
        Handler handler;
        std::chrono::steady_clock::time_point deadline;
    };

    boost::asio::awaitable<void> ConnectOnce();
    boost::asio::awaitable<Status> Handshake();
    void RecordClockOffset(const RedisReply& time_reply);
    void StartWrite();
    void StartRead();
    void OnRead(const Link& link, std::size_t n);
    void CheckDeadlines();
    // Decodes every complete reply in the reader; false on a protocol error.
    bool DrainReader();
    void Fail(Errc code, const std::string& why);
    void ScheduleReconnect();
    void ArmWatchdog();
    void Complete(Handler handler, Result<RedisReply> result);
    void FailAllPending(Errc code, const std::string& message);

    boost::asio::io_context& ioc_;
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    RedisOptions options_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    PushHandler on_push_;
    std::vector<std::vector<std::string>> after_connect_;

    std::atomic<State> state_{State::initial};
    std::atomic<std::int64_t> clock_offset_ms_{0};
    std::shared_ptr<Link> link_;
    std::uint64_t generation_ = 0;
    redisReader* reader_ = nullptr;
    std::string out_buf_;
    bool writing_ = false;
    std::deque<Pending> pending_;
    boost::asio::steady_timer watchdog_;
    boost::asio::steady_timer reconnect_timer_;
    std::chrono::milliseconds backoff_{0};
};

}  // namespace ivs::adapters::redis
