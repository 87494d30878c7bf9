#include "http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <list>
#include <mutex>

#include "core/log_throttle.hpp"
#include "http/connection_limits.hpp"
#include "http/response_head.hpp"

namespace ivs::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

// One accepted connection. `busy` is true while a request is being handled, so shutdown can
// close idle connections right away and let busy ones finish.
struct Connection {
    beast::tcp_stream* stream = nullptr;
    std::atomic<bool> busy{false};
    asio::any_io_executor executor;
};

// RFC 9112 6.1 and 6.3: a request whose Transfer-Encoding does not end in "chunked", or that
// carries Content-Length as well, has no reliable length. Beast reads the first as bodiless
// (the chunks would become the next request), so it is refused here: 400, then close.
bool AmbiguousFraming(const bhttp::request_parser<bhttp::string_body>& parser) {
    const auto& h = parser.get();
    if (h.find(bhttp::field::transfer_encoding) == h.end()) return false;
    return !parser.chunked() || h.find(bhttp::field::content_length) != h.end();
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
    Impl(asio::io_context& ioc, ServerOptions options, Pipeline& pipeline)
        : ioc(ioc),
          options(std::move(options)),
          pipeline(pipeline),
          acceptor(ioc),
          shared_lines(FormatFieldLines(pipeline.SharedHeaders())),
          limits(static_cast<std::size_t>(std::max(0, options.max_connections))) {}

    asio::io_context& ioc;
    const ServerOptions options;
    Pipeline& pipeline;
    tcp::acceptor acceptor;
    std::atomic<bool> stopping{false};
    UpgradeHandlers upgrades;  // set at construction, read only
    ConnectionLanes lanes;     // set at construction, read only
    std::atomic<std::size_t> next_lane{0};
    // The pipeline's shared headers, serialized once: spliced into every reply's header.
    const std::string shared_lines;

    mutable std::mutex mu;
    std::list<std::shared_ptr<Connection>> connections;
    ConnectionLimits limits;
    log::Throttle accept_log{std::chrono::seconds(10)};
    log::Throttle capacity_log{std::chrono::seconds(10)};

    asio::awaitable<void> AcceptLoop() {
        auto self = shared_from_this();
        asio::steady_timer pause(acceptor.get_executor());
        std::chrono::milliseconds backoff{0};
        while (!stopping) {
            auto [ec, socket] = co_await acceptor.async_accept(NextExecutor(), kTuple);
            if (ec) {
                if (stopping || ec == asio::error::operation_aborted) break;
                // Out of descriptors (or memory) the same accept fails again at once: pause,
                // longer each time, and let the log say so once per interval.
                backoff = std::clamp(backoff * 2, std::chrono::milliseconds(5),
                                     std::chrono::milliseconds(200));
                OnAcceptError(ec);
                pause.expires_after(backoff);
                co_await pause.async_wait(kTuple);
                continue;
            }
            backoff = std::chrono::milliseconds(0);
            const Admission admission = limits.Admit();
            if (admission != Admission::normal) {
                if (auto skipped = capacity_log.Hit()) {
                    spdlog::warn("connection limit of {} reached: new connections get 503 "
                                 "({} more since the last report)",
                                 limits.cap(), *skipped);
                }
            }
            if (admission == Admission::refused) {
                RefuseNow(socket);
                continue;
            }
            socket.set_option(tcp::no_delay(true), ec);
            auto exec = socket.get_executor();
            asio::co_spawn(exec, self->Serve(std::move(socket), admission), asio::detached);
        }
    }

    asio::any_io_executor NextExecutor() {
        if (lanes.empty()) return asio::make_strand(ioc);
        return lanes[next_lane.fetch_add(1, std::memory_order_relaxed) % lanes.size()];
    }

    void OnAcceptError(const boost::system::error_code& ec) {
        if (auto skipped = accept_log.Hit()) {
            spdlog::warn("accept failed: {}; pausing new connections ({} more since the last "
                         "report)",
                         ec.message(), *skipped);
        }
        const bool no_descriptors = ec == asio::error::no_descriptors || ec.value() == ENFILE;
        if (!no_descriptors || !limits.FreeSpare()) return;
        // The spare descriptor answers the client at the head of the backlog, so it hears 503
        // rather than nothing.
        tcp::socket socket(ioc);
        boost::system::error_code aec;
        acceptor.accept(socket, aec);
        if (!aec) RefuseNow(socket);
        limits.RestoreSpare();
    }

    // Writes the capacity refusal without waiting (it fits any socket buffer), then closes.
    template <class Socket>
    static void RefuseNow(Socket& socket) {
        static const std::string refusal = CapacityRefusal();
        boost::system::error_code ec;
        socket.non_blocking(true, ec);
        socket.write_some(asio::buffer(refusal), ec);
        socket.shutdown(tcp::socket::shutdown_send, ec);
        std::array<char, 4096> sink;  // what the client already sent, so close sends no reset
        socket.read_some(asio::buffer(sink), ec);
        socket.close(ec);
    }

    asio::awaitable<void> Serve(tcp::socket socket, Admission admission) {
        auto self = shared_from_this();
        std::string peer_ip;
        {
            boost::system::error_code ec;
            auto ep = socket.remote_endpoint(ec);
            if (!ec) peer_ip = ep.address().to_string();
        }
        beast::tcp_stream stream(std::move(socket));
        auto conn = std::make_shared<Connection>();
        conn->stream = &stream;
        conn->executor = stream.get_executor();
        std::list<std::shared_ptr<Connection>>::iterator pos;
        {
            std::lock_guard lock(mu);
            pos = connections.insert(connections.end(), conn);
        }
        try {
            co_await ServeRequests(stream, *conn, peer_ip, admission == Admission::overflow);
        } catch (const std::exception& e) {
            spdlog::debug("connection ended: {}", e.what());
        }
        {
            std::lock_guard lock(mu);
            connections.erase(pos);
            conn->stream = nullptr;
        }
        limits.Release(admission);
        if (stream.socket().is_open()) {
            boost::system::error_code ec;
            stream.socket().shutdown(tcp::socket::shutdown_both, ec);
            stream.socket().close(ec);
        }
    }

    // The answer to a request that could not be read.
    Error ReadError(const boost::system::error_code& ec) const {
        if (ec == bhttp::error::body_limit) {
            return Error(Errc::payload_too_large,
                         "Request body exceeds " + std::to_string(options.max_body_bytes) +
                             " bytes");
        }
        if (ec == bhttp::error::bad_transfer_encoding) {
            return Error(Errc::invalid_argument,
                         "Transfer-Encoding must end in chunked, without Content-Length");
        }
        if (ec == bhttp::error::header_limit) {
            return Error(Errc::headers_too_large, "Request headers exceed " +
                                                      std::to_string(options.max_header_bytes) +
                                                      " bytes");
        }
        return Error(Errc::invalid_argument, "Malformed HTTP request");
    }

    // A connection over the cap (`overflow`) gets one request, with a short deadline: /health
    // is answered as usual (it needs no dependency), anything else 503.
    asio::awaitable<void> ServeRequests(beast::tcp_stream& stream, Connection& conn,
                                        const std::string& peer_ip, bool overflow) {
        beast::flat_buffer buffer;
        std::string head;  // the reply head, one buffer for the connection's life
        head.reserve(1024);
        bool first = true;
        while (!stopping) {
            bhttp::request_parser<bhttp::string_body> parser;
            parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
            parser.body_limit(options.max_body_bytes);
            stream.expires_after(overflow ? std::chrono::seconds(1)
                                 : std::chrono::seconds(first ? options.request_timeout_seconds
                                                              : options.keepalive_timeout_seconds));
            first = false;
            // Wait for the first bytes idle; once a request starts it must arrive in time.
            auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
            conn.busy = true;
            if (!ec && AmbiguousFraming(parser)) ec = bhttp::error::bad_transfer_encoding;
            if (!ec && !parser.is_done() && buffer.size() > 0) {
                // A small body usually came with the header: parse it from the buffer rather
                // than through another read operation.
                boost::system::error_code pec;
                buffer.consume(parser.put(buffer.data(), pec));
                if (pec && pec != bhttp::error::need_more) ec = pec;
            }
            if (!ec && !parser.is_done()) {
                stream.expires_after(std::chrono::seconds(options.request_timeout_seconds));
                std::tie(ec, n) = co_await bhttp::async_read(stream, buffer, parser, kTuple);
            }
            if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
                ec == beast::error::timeout || ec == asio::error::connection_reset ||
                ec == asio::error::eof) {
                co_return;
            }
            if (ec) {
                Reply reply = pipeline.Reject(parser.get(), peer_ip, ReadError(ec));
                co_await Write(stream, parser.get(), std::move(reply), false, head);
                co_await DrainAndClose(stream);
                co_return;
            }
            Request req = parser.release();
            if (overflow) {
                co_await Write(stream, req, co_await OverflowReply(req, peer_ip), false, head);
                co_return;
            }

            if (beast::websocket::is_upgrade(req)) {
                std::string_view path = req.target();
                path = path.substr(0, path.find('?'));
                auto it = upgrades.find(path);
                if (it != upgrades.end()) {
                    stream.expires_never();
                    {
                        std::lock_guard lock(mu);
                        conn.stream = nullptr;
                    }
                    it->second(std::move(stream), std::move(req));
                    co_return;
                }
            }

            Reply reply = co_await pipeline.Handle(req, peer_ip);
            bool keep_alive = req.keep_alive() && !reply.close && !stopping;
            co_await Write(stream, req, std::move(reply), keep_alive, head);
            conn.busy = false;
            if (!keep_alive) co_return;
        }
    }

    asio::awaitable<Reply> OverflowReply(const Request& req, const std::string& peer_ip) {
        std::string_view path = req.target();
        path = path.substr(0, path.find('?'));
        if (path == "/health" &&
            (req.method() == bhttp::verb::get || req.method() == bhttp::verb::head)) {
            co_return co_await pipeline.Handle(req, peer_ip);
        }
        co_return EnvelopeError(CapacityError());
    }

    // The head is written straight into `head` (the connection's buffer, reused), then head
    // and body go to the socket as two buffers in one write.
    asio::awaitable<void> Write(beast::tcp_stream& stream, const Request& req, Reply reply,
                                bool keep_alive, std::string& head) {
        const bool splice = reply.shared_headers == &pipeline.SharedHeaders();
        head.clear();
        AppendResponseHead(head, reply, req.version() ? req.version() : 11, keep_alive,
                           splice ? std::string_view(shared_lines) : std::string_view());
        std::array<asio::const_buffer, 2> out{asio::buffer(head), asio::buffer(reply.body)};
        if (req.method() == bhttp::verb::head) out[1] = asio::const_buffer();
        stream.expires_after(std::chrono::seconds(options.request_timeout_seconds));
        auto [wec, n] = co_await asio::async_write(stream, out, kTuple);
        (void)n;
        if (wec) throw boost::system::system_error(wec);
    }

    // After refusing a request mid-body, read (and discard) what the client is still sending
    // for a moment, so it sees our reply instead of a connection reset.
    asio::awaitable<void> DrainAndClose(beast::tcp_stream& stream) {
        boost::system::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream.expires_after(std::chrono::seconds(2));
        std::array<char, 16384> sink;
        std::size_t total = 0;
        while (total < 64 * 1024 * 1024) {
            auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
            if (rec) break;
            total += n;
        }
    }

    void CloseIdle() {
        std::lock_guard lock(mu);
        for (auto& c : connections) {
            if (c->busy || !c->stream) continue;
            asio::post(c->executor, [c] {
                if (c->stream && !c->busy) c->stream->cancel();
            });
        }
    }
};

Server::Server(asio::io_context& ioc, ServerOptions options, Pipeline& pipeline,
               UpgradeHandlers upgrades, ConnectionLanes lanes)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), pipeline)) {
    impl_->upgrades = std::move(upgrades);
    impl_->lanes = std::move(lanes);
}

Server::~Server() = default;

void Server::Start(const std::string& host, unsigned short port) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) throw std::runtime_error("API_HOST is not an IP address: " + host);
    tcp::endpoint ep(address, port);
    impl_->acceptor.open(ep.protocol(), ec);
    if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl_->acceptor.bind(ep, ec);
    if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    // Only the accept after a descriptor shortage is synchronous: it must never block.
    if (!ec) impl_->acceptor.non_blocking(true, ec);
    if (ec) {
        throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                                 ec.message());
    }
    asio::co_spawn(impl_->acceptor.get_executor(), impl_->AcceptLoop(), asio::detached);
}

unsigned short Server::Port() const {
    boost::system::error_code ec;
    return impl_->acceptor.local_endpoint(ec).port();
}

void Server::BeginShutdown() {
    if (impl_->stopping.exchange(true)) return;
    asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
        boost::system::error_code ec;
        impl->acceptor.close(ec);
    });
    impl_->CloseIdle();
}

std::size_t Server::ActiveConnections() const {
    std::lock_guard lock(impl_->mu);
    return impl_->connections.size();
}

}  // namespace ivs::http
