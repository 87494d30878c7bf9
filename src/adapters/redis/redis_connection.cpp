#include "adapters/redis/redis_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <new>

namespace ivs::adapters::redis {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::chrono::milliseconds WatchdogTick(std::chrono::milliseconds timeout) {
    return std::clamp(timeout / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(250));
}

}  // namespace

std::string FormatCommand(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    // The sds variant: hiredis writes the length headers itself, where the char* one calls
    // sprintf for every argument.
    sds out = nullptr;
    int n = redisFormatSdsCommandArgv(&out, static_cast<int>(argv.size()), argv.data(),
                                      lens.data());
    if (n < 0 || out == nullptr) throw std::bad_alloc();
    std::string s(out, static_cast<std::size_t>(n));
    redisFreeSdsCommand(out);
    return s;
}

std::shared_ptr<asio::ssl::context> MakeTlsContext(const RedisOptions& options) {
    auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    if (!options.tls) return tls;
    boost::system::error_code ec;
    if (options.tls_ca_file.empty()) {
        tls->set_default_verify_paths(ec);
    } else {
        tls->load_verify_file(options.tls_ca_file, ec);
    }
    if (ec) {
        spdlog::error("Redis TLS: cannot load CA certificates{}: {}",
                      options.tls_ca_file.empty() ? "" : " from " + options.tls_ca_file,
                      ec.message());
    }
    return tls;
}

Connection::Connection(asio::io_context& ioc, const RedisOptions& options,
                       std::shared_ptr<asio::ssl::context> tls, PushHandler on_push,
                       std::vector<std::vector<std::string>> after_connect)
    : ioc_(ioc),
      strand_(asio::make_strand(ioc)),
      options_(options),
      tls_(std::move(tls)),
      on_push_(std::move(on_push)),
      after_connect_(std::move(after_connect)),
      watchdog_(strand_),
      reconnect_timer_(strand_) {
    if (!tls_) tls_ = MakeTlsContext(options_);
}

Connection::~Connection() {
    if (reader_ != nullptr) redisReaderFree(reader_);
}

void Connection::Start() {
    asio::dispatch(strand_, [self = shared_from_this()] {
        if (self->state_.load() == State::stopped) return;
        asio::co_spawn(self->strand_, self->ConnectOnce(), asio::detached);
        self->ArmWatchdog();
    });
}

void Connection::Stop() {
    asio::dispatch(strand_, [self = shared_from_this()] {
        self->state_ = State::stopped;
        ++self->generation_;
        self->watchdog_.cancel();
        self->reconnect_timer_.cancel();
        if (self->link_) {
            boost::system::error_code ignored;
            self->link_->stream.next_layer().close(ignored);
            self->link_.reset();
        }
        self->out_buf_.clear();
        self->FailAllPending(Errc::unavailable, "Redis client stopped");
    });
}

void Connection::Trip() {
    asio::dispatch(strand_, [self = shared_from_this()] {
        if (self->state_.load() == State::ready) {
            self->Fail(Errc::timeout, "another connection to Redis timed out");
        }
    });
}

void Connection::Submit(std::string formatted, Handler handler) {
    asio::dispatch(strand_, [self = shared_from_this(), cmd = std::move(formatted),
                             h = std::move(handler)]() mutable {
        State st = self->state_.load();
        if (st == State::down || st == State::stopped) {
            self->Complete(std::move(h), Error(Errc::unavailable, "Redis is unavailable"));
            return;
        }
        if (self->pending_.size() >= self->options_.max_pending) {
            self->Complete(std::move(h), Error(Errc::unavailable, "Redis command queue is full"));
            return;
        }
        self->pending_.push_back(
            {std::move(h), std::chrono::steady_clock::now() + self->options_.command_timeout});
        self->out_buf_ += cmd;
        if (st == State::ready && !self->writing_) self->StartWrite();
    });
}

void Connection::Complete(Handler handler, Result<RedisReply> result) {
    handler->Complete(std::move(result));
}

void Connection::FailAllPending(Errc code, const std::string& message) {
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& p : pending) Complete(std::move(p.handler), Error(code, message));
}

asio::awaitable<void> Connection::ConnectOnce() {
    auto self = shared_from_this();
    if (state_.load() == State::stopped) co_return;
    std::uint64_t gen = ++generation_;
    link_ = std::make_shared<Link>(strand_, *tls_);
    if (reader_ != nullptr) redisReaderFree(reader_);
    reader_ = MakeReplyReader();
    Status s = co_await Handshake();
    if (gen != generation_ || state_.load() == State::stopped) co_return;
    if (!s) {
        Fail(Errc::unavailable, s.error().message);
        co_return;
    }
    if (state_.load() == State::down) {
        spdlog::info("Redis connection to {}:{} restored", options_.host, options_.port);
    }
    state_ = State::ready;
    backoff_ = std::chrono::milliseconds(0);
    if (!DrainReader()) {
        Fail(Errc::unavailable, "Redis protocol error");
        co_return;
    }
    StartRead();
    if (!out_buf_.empty() && !writing_) StartWrite();
}

asio::awaitable<Status> Connection::Handshake() {
    auto link = link_;
    tcp::resolver resolver(strand_);
    asio::steady_timer deadline(strand_, options_.connect_timeout);
    // Closing the socket ends whichever step is in progress.
    deadline.async_wait([link, &resolver](const boost::system::error_code& ec) {
        if (ec) return;
        resolver.cancel();
        boost::system::error_code ignored;
        link->stream.next_layer().close(ignored);
    });
    auto fail = [&](const std::string& what) -> Status {
        deadline.cancel();
        return Error(Errc::unavailable, "Redis " + what);
    };

    auto [rec, endpoints] = co_await resolver.async_resolve(
        options_.host, std::to_string(options_.port), asio::as_tuple(asio::use_awaitable));
    if (rec) co_return fail("host cannot be resolved: " + rec.message());
    auto [cec, ep] = co_await asio::async_connect(link->stream.next_layer(), endpoints,
                                                  asio::as_tuple(asio::use_awaitable));
    if (cec) co_return fail("connection failed: " + cec.message());
    boost::system::error_code ignored;
    link->stream.next_layer().set_option(tcp::no_delay(true), ignored);
    link->stream.next_layer().set_option(asio::socket_base::keep_alive(true), ignored);

    if (options_.tls) {
        SSL_set_tlsext_host_name(link->stream.native_handle(), options_.host.c_str());
        link->stream.set_verify_mode(asio::ssl::verify_peer);
        link->stream.set_verify_callback(asio::ssl::host_name_verification(options_.host));
        auto [hec] = co_await link->stream.async_handshake(asio::ssl::stream_base::client,
                                                           asio::as_tuple(asio::use_awaitable));
        if (hec) co_return fail("TLS handshake failed: " + hec.message());
    }

    std::string init;
    int expect = 0;
    if (!options_.password.empty()) {
        init += FormatCommand({"AUTH", options_.password});
        ++expect;
    }
    if (options_.db != 0) {
        init += FormatCommand({"SELECT", std::to_string(options_.db)});
        ++expect;
    }
    // TIME proves Redis answers before the connection takes commands (after a stall, calls
    // keep failing at once until it does) and measures the Redis clock against ours.
    init += FormatCommand({"TIME"});
    ++expect;
    for (const auto& cmd : after_connect_) init += FormatCommand(cmd);
    {
        auto [wec, wn] =
            options_.tls
                ? co_await asio::async_write(link->stream, asio::buffer(init),
                                             asio::as_tuple(asio::use_awaitable))
                : co_await asio::async_write(link->stream.next_layer(), asio::buffer(init),
                                             asio::as_tuple(asio::use_awaitable));
        if (wec) co_return fail("write failed: " + wec.message());
    }
    while (expect > 0) {
        void* raw = nullptr;
        if (redisReaderGetReply(reader_, &raw) != REDIS_OK) co_return fail("protocol error");
        if (raw != nullptr) {
            RedisReply r = ConvertReply(static_cast<redisReply*>(raw));
            freeReplyObject(raw);
            // The server's text (e.g. WRONGPASS) is safe to log; it never holds the password.
            if (r.IsError()) co_return fail("refused the connection set-up: " + r.str);
            if (--expect == 0) RecordClockOffset(r);
            continue;
        }
        auto buf = asio::buffer(link->read_buf);
        auto [rdec, n] = options_.tls
                             ? co_await link->stream.async_read_some(
                                   buf, asio::as_tuple(asio::use_awaitable))
                             : co_await link->stream.next_layer().async_read_some(
                                   buf, asio::as_tuple(asio::use_awaitable));
        if (rdec) co_return fail("read failed: " + rdec.message());
        redisReaderFeed(reader_, link->read_buf.data(), n);
    }
    deadline.cancel();
    co_return Ok();
}

void Connection::RecordClockOffset(const RedisReply& time_reply) {
    if (!time_reply.IsArray() || time_reply.elements.size() < 2) return;
    const auto secs = time_reply.elements[0].AsInt();
    const auto micros = time_reply.elements[1].AsInt();
    if (!secs || !micros) return;
    const auto redis_now = std::chrono::microseconds(*secs * 1'000'000 + *micros);
    const auto ours = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    clock_offset_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(redis_now - ours).count();
}

void Connection::StartWrite() {
    if (!link_) return;
    writing_ = true;
    auto link = link_;
    link->write_buf.clear();
    std::swap(link->write_buf, out_buf_);
    auto done = asio::bind_executor(
        strand_, [self = shared_from_this(), link, gen = generation_](
                     const boost::system::error_code& ec, std::size_t) {
            if (gen != self->generation_) return;
            self->writing_ = false;
            if (ec) return self->Fail(Errc::unavailable, "write failed: " + ec.message());
            if (!self->out_buf_.empty()) self->StartWrite();
        });
    if (options_.tls) {
        asio::async_write(link->stream, asio::buffer(link->write_buf), std::move(done));
    } else {
        asio::async_write(link->stream.next_layer(), asio::buffer(link->write_buf),
                          std::move(done));
    }
}

void Connection::StartRead() {
    if (!link_) return;
    auto link = link_;
    auto done = asio::bind_executor(
        strand_, [self = shared_from_this(), link, gen = generation_](
                     const boost::system::error_code& ec, std::size_t n) {
            if (gen != self->generation_) return;
            if (ec) {
                return self->Fail(Errc::unavailable, ec == asio::error::eof
                                                         ? "Redis closed the connection"
                                                         : "read failed: " + ec.message());
            }
            self->OnRead(*link, n);
        });
    if (options_.tls) {
        link->stream.async_read_some(asio::buffer(link->read_buf), std::move(done));
    } else {
        link->stream.next_layer().async_read_some(asio::buffer(link->read_buf), std::move(done));
    }
}

void Connection::OnRead(const Link& link, std::size_t n) {
    if (redisReaderFeed(reader_, link.read_buf.data(), n) != REDIS_OK || !DrainReader()) {
        Fail(Errc::unavailable, "Redis protocol error");
        return;
    }
    StartRead();
}

bool Connection::DrainReader() {
    for (;;) {
        void* raw = nullptr;
        if (redisReaderGetReply(reader_, &raw) != REDIS_OK) return false;
        if (raw == nullptr) return true;
        RedisReply reply = ConvertReply(static_cast<redisReply*>(raw));
        freeReplyObject(raw);
        if (on_push_) {
            on_push_(std::move(reply));
            continue;
        }
        if (pending_.empty()) return false;
        Pending p = std::move(pending_.front());
        pending_.pop_front();
        Complete(std::move(p.handler), std::move(reply));
    }
}

void Connection::Fail(Errc code, const std::string& why) {
    State st = state_.load();
    if (st == State::stopped) return;
    ++generation_;
    if (link_) {
        boost::system::error_code ignored;
        link_->stream.next_layer().close(ignored);
        link_.reset();
    }
    writing_ = false;
    out_buf_.clear();
    FailAllPending(code, code == Errc::timeout ? "Redis did not answer in time"
                                               : "Redis is unavailable");
    if (st != State::down) {
        spdlog::warn("Redis connection to {}:{} down: {}", options_.host, options_.port, why);
    }
    state_ = State::down;
    ScheduleReconnect();
}

void Connection::ScheduleReconnect() {
    backoff_ = backoff_.count() == 0 ? std::chrono::milliseconds(50)
                                     : std::min(backoff_ * 2, options_.max_backoff);
    reconnect_timer_.expires_after(backoff_);
    reconnect_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec || self->state_.load() == State::stopped) return;
        asio::co_spawn(self->strand_, self->ConnectOnce(), asio::detached);
    });
}

void Connection::ArmWatchdog() {
    watchdog_.expires_after(WatchdogTick(options_.command_timeout));
    watchdog_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec || self->state_.load() == State::stopped) return;
        self->CheckDeadlines();
        self->ArmWatchdog();
    });
}

void Connection::CheckDeadlines() {
    if (pending_.empty() || pending_.front().deadline > std::chrono::steady_clock::now()) return;
    State st = state_.load();
    if (st == State::ready) {
        // Replies come in order: a late reply would be matched to the wrong caller, so the
        // connection is reset.
        Fail(Errc::timeout, "no reply within the command deadline");
    } else if (st == State::initial) {
        out_buf_.clear();
        FailAllPending(Errc::timeout, "Redis did not answer in time");
    }
}

}  // namespace ivs::adapters::redis
