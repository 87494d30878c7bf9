#include "http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <list>
#include <memory_resource>
#include <mutex>

namespace ivs::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

// A synchronous write stream that appends to a string: Beast's serializer writes a response
// header into it.
struct StringSink {
    std::string& out;
    template <class ConstBufferSequence>
    std::size_t write_some(const ConstBufferSequence& buffers) {
        std::size_t n = 0;
        for (auto b : beast::buffers_range_ref(buffers)) {
            out.append(static_cast<const char*>(b.data()), b.size());
            n += b.size();
        }
        return n;
    }
    template <class ConstBufferSequence>
    std::size_t write_some(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
        ec = {};
        return write_some(buffers);
    }
};

// One accepted connection. `busy` is true while a request is being handled, so shutdown can
// close idle connections right away and let busy ones finish.
struct Connection {
    beast::tcp_stream* stream = nullptr;
    std::atomic<bool> busy{false};
    asio::any_io_executor executor;
};

// The header lines Beast writes for `headers` ("Name: value\r\n" each), without the start
// line and the blank line that ends a header.
std::string SerializeFieldLines(const std::vector<std::pair<std::string, std::string>>& headers) {
    bhttp::response<bhttp::empty_body> res{bhttp::status::ok, 11};
    for (const auto& [name, value] : headers) res.insert(name, value);
    bhttp::response_serializer<bhttp::empty_body> sr(res);
    std::string out;
    StringSink sink{out};
    boost::system::error_code ec;
    bhttp::write_header(sink, sr, ec);
    const auto start = out.find("\r\n");
    if (ec || start == std::string::npos || out.size() < start + 4) {
        throw std::runtime_error("cannot serialize the shared response headers");
    }
    return out.substr(start + 2, out.size() - start - 4);
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
    Impl(asio::io_context& ioc, const Config& config, Pipeline& pipeline)
        : ioc(ioc),
          config(config),
          pipeline(pipeline),
          acceptor(ioc),
          shared_lines(SerializeFieldLines(pipeline.SharedHeaders())) {}

    asio::io_context& ioc;
    const Config& config;
    Pipeline& pipeline;
    tcp::acceptor acceptor;
    std::atomic<bool> stopping{false};
    std::map<std::string, UpgradeHandler, std::less<>> upgrades;
    // The pipeline's shared headers, serialized once: spliced into every reply's header.
    const std::string shared_lines;

    mutable std::mutex mu;
    std::list<std::shared_ptr<Connection>> connections;

    asio::awaitable<void> AcceptLoop() {
        auto self = shared_from_this();
        while (!stopping) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kTuple);
            if (ec) {
                if (stopping || ec == asio::error::operation_aborted) break;
                spdlog::warn("accept failed: {}", ec.message());
                continue;
            }
            socket.set_option(tcp::no_delay(true), ec);
            auto exec = socket.get_executor();
            asio::co_spawn(exec, self->Serve(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> Serve(tcp::socket socket) {
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
            co_await ServeRequests(stream, *conn, peer_ip);
        } catch (const std::exception& e) {
            spdlog::debug("connection ended: {}", e.what());
        }
        {
            std::lock_guard lock(mu);
            connections.erase(pos);
            conn->stream = nullptr;
        }
        if (stream.socket().is_open()) {
            boost::system::error_code ec;
            stream.socket().shutdown(tcp::socket::shutdown_both, ec);
            stream.socket().close(ec);
        }
    }

    asio::awaitable<void> ServeRequests(beast::tcp_stream& stream, Connection& conn,
                                        const std::string& peer_ip) {
        beast::flat_buffer buffer;
        bool first = true;
        while (!stopping) {
            bhttp::request_parser<bhttp::string_body> parser;
            parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
            parser.body_limit(config.max_body_bytes);
            stream.expires_after(std::chrono::seconds(first ? config.request_timeout_seconds
                                                            : config.keepalive_timeout_seconds));
            first = false;
            // Wait for the first bytes idle; once a request starts it must arrive in time.
            auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
            conn.busy = true;
            if (!ec && !parser.is_done() && buffer.size() > 0) {
                // A small body usually came with the header: parse it from the buffer rather
                // than through another read operation.
                boost::system::error_code pec;
                buffer.consume(parser.put(buffer.data(), pec));
                if (pec && pec != bhttp::error::need_more) ec = pec;
            }
            if (!ec && !parser.is_done()) {
                stream.expires_after(std::chrono::seconds(config.request_timeout_seconds));
                std::tie(ec, n) = co_await bhttp::async_read(stream, buffer, parser, kTuple);
            }
            if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
                ec == beast::error::timeout || ec == asio::error::connection_reset ||
                ec == asio::error::eof) {
                co_return;
            }
            if (ec) {
                Error err(Errc::invalid_argument, "Malformed HTTP request");
                if (ec == bhttp::error::body_limit) {
                    err = Error(Errc::payload_too_large,
                                "Request body exceeds " + std::to_string(config.max_body_bytes) +
                                    " bytes");
                } else if (ec == bhttp::error::header_limit) {
                    err = Error(Errc::headers_too_large,
                                "Request headers exceed " +
                                    std::to_string(config.max_header_bytes) + " bytes");
                }
                Reply reply = pipeline.Reject(parser.get(), peer_ip, std::move(err));
                co_await Write(stream, parser.get(), std::move(reply), false);
                co_await DrainAndClose(stream);
                co_return;
            }
            Request req = parser.release();

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
            co_await Write(stream, req, std::move(reply), keep_alive);
            conn.busy = false;
            if (!keep_alive) co_return;
        }
    }

    asio::awaitable<void> Write(beast::tcp_stream& stream, const Request& req, Reply reply,
                                bool keep_alive) {
        // The reply's header fields live in an arena inside this coroutine's frame: one
        // allocation-free block for the twenty-odd fields of a typical answer.
        std::array<std::byte, 4096> arena_space;
        std::pmr::monotonic_buffer_resource arena(arena_space.data(), arena_space.size());
        using Fields = bhttp::basic_fields<std::pmr::polymorphic_allocator<char>>;
        bhttp::response<bhttp::string_body, Fields> res{
            std::piecewise_construct, std::make_tuple(),
            std::make_tuple(std::pmr::polymorphic_allocator<char>(&arena))};
        res.result(reply.status);
        res.version(req.version() ? req.version() : 11);
        res.set(bhttp::field::server, "ivs-server");
        if (!reply.content_type.empty()) res.set(bhttp::field::content_type, reply.content_type);
        const bool splice = reply.shared_headers == &pipeline.SharedHeaders();
        if (splice) {
            for (const auto& [name, value] : reply.headers) res.insert(name, value);
        } else {
            reply.ForEachHeader([&](const std::string& name, const std::string& value) {
                res.insert(name, value);
            });
        }
        if (req.method() != bhttp::verb::head) res.body() = std::move(reply.body);
        res.keep_alive(keep_alive);
        res.prepare_payload();
        if (req.method() == bhttp::verb::head) res.content_length(reply.body.size());
        // Beast serializes the start line and fields into one block; block and body then go to
        // the socket as two buffers in one write.
        bhttp::response_serializer<bhttp::string_body, Fields> sr(res);
        std::string head;
        head.reserve(1024);
        StringSink sink{head};
        boost::system::error_code ec;
        bhttp::write_header(sink, sr, ec);
        if (ec) throw boost::system::system_error(ec);
        if (splice) head.insert(head.size() - 2, shared_lines);  // before the blank line
        std::array<asio::const_buffer, 2> out{asio::buffer(head), asio::buffer(res.body())};
        stream.expires_after(std::chrono::seconds(config.request_timeout_seconds));
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

Server::Server(asio::io_context& ioc, const Config& config, Pipeline& pipeline)
    : impl_(std::make_shared<Impl>(ioc, config, pipeline)) {}

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

void Server::SetUpgradeHandler(std::string path, UpgradeHandler handler) {
    impl_->upgrades[std::move(path)] = std::move(handler);
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
