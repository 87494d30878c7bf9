#include "adapters/ivs/emulator_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <stdexcept>

#include "adapters/ivs/emulator_wire.hpp"

namespace ivs::emulator {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

struct EmulatorServer::Impl : std::enable_shared_from_this<EmulatorServer::Impl> {
    Impl(asio::io_context& ioc, std::shared_ptr<Emulator> emu, EmulatorServerOptions opts)
        : ioc(ioc), acceptor(ioc), emulator(std::move(emu)), options(std::move(opts)) {}

    asio::awaitable<void> Accept() {
        auto self = shared_from_this();
        for (;;) {
            boost::system::error_code ec;
            tcp::socket socket(ioc);
            co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
            if (ec) continue;
            asio::co_spawn(ioc, Session(beast::tcp_stream(std::move(socket))), asio::detached);
        }
    }

    asio::awaitable<void> Session(beast::tcp_stream stream) {
        auto self = shared_from_this();
        beast::flat_buffer buffer;
        for (;;) {
            boost::system::error_code ec;
            bhttp::request_parser<bhttp::string_body> parser;
            parser.header_limit(16 * 1024);
            parser.body_limit(options.max_body_bytes);
            stream.expires_after(options.io_timeout);
            co_await bhttp::async_read(stream, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
            if (ec == bhttp::error::body_limit) {
                co_await Write(stream, Refusal(413, "The request body is too large"), false, 11);
                break;
            }
            if (ec == bhttp::error::header_limit) {
                co_await Write(stream, Refusal(431, "The request headers are too large"), false,
                               11);
                break;
            }
            // A clean close between requests, a timeout or a reset gets no answer; anything
            // else that is not HTTP/1.x (bad framing, HTTP/0.9, TLS bytes) gets a 400.
            if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
                ec == beast::error::timeout || ec == asio::error::connection_reset ||
                ec == asio::error::operation_aborted) {
                break;
            }
            if (ec) {
                co_await Write(stream, Refusal(400, "The request is not valid HTTP/1.1"), false,
                               11);
                break;
            }
            auto& req = parser.get();
            WireRequest wire;
            wire.method = std::string(req.method_string());
            std::string_view target = req.target();
            auto q = target.find('?');
            wire.path = std::string(target.substr(0, q));
            if (q != std::string_view::npos) wire.query = std::string(target.substr(q + 1));
            for (const auto& field : req) {
                wire.headers.emplace_back(std::string(field.name_string()),
                                          std::string(field.value()));
            }
            wire.body = std::move(req.body());
            WireResponse resp = HandleWire(*emulator, options, wire);
            bool keep = req.keep_alive();
            if (!co_await Write(stream, resp, keep, req.version())) break;
            if (!keep) break;
        }
        boost::system::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    static WireResponse Refusal(unsigned status, const std::string& message) {
        return ErrorResponse(status, status == 413 ? "PayloadTooLargeException"
                                                   : "ValidationException",
                             message);
    }

    // Ends media sessions that stopped refreshing, every few seconds while accepting.
    asio::awaitable<void> ExpireMedia() {
        auto self = shared_from_this();
        asio::steady_timer timer(ioc);
        while (acceptor.is_open()) {
            timer.expires_after(std::chrono::seconds(5));
            boost::system::error_code ec;
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (!acceptor.is_open()) break;
            emulator->ExpireIdleMedia();
        }
    }

    asio::awaitable<bool> Write(beast::tcp_stream& stream, const WireResponse& resp, bool keep,
                                unsigned version) {
        bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(resp.status), version};
        res.set(bhttp::field::server, "ivs-emulator");
        for (const auto& [k, v] : resp.headers) res.set(k, v);
        res.body() = resp.body;
        res.keep_alive(keep);
        res.prepare_payload();
        boost::system::error_code ec;
        stream.expires_after(options.io_timeout);
        co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        co_return !ec;
    }

    asio::io_context& ioc;
    tcp::acceptor acceptor;
    std::shared_ptr<Emulator> emulator;
    EmulatorServerOptions options;
    std::atomic<unsigned short> port{0};
};

EmulatorServer::EmulatorServer(asio::io_context& ioc, std::shared_ptr<Emulator> emulator,
                               EmulatorServerOptions options)
    : impl_(std::make_shared<Impl>(ioc, std::move(emulator), std::move(options))) {}

EmulatorServer::~EmulatorServer() { Stop(); }

void EmulatorServer::Start(const std::string& host, unsigned short port) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) throw std::runtime_error("IVS emulator: invalid host " + host);
    tcp::endpoint endpoint(address, port);
    auto& acc = impl_->acceptor;
    acc.open(endpoint.protocol(), ec);
    if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acc.bind(endpoint, ec);
    if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        throw std::runtime_error("IVS emulator: cannot listen on " + host + ":" +
                                 std::to_string(port) + ": " + ec.message());
    }
    impl_->port = acc.local_endpoint().port();
    asio::co_spawn(impl_->ioc, impl_->Accept(), asio::detached);
    asio::co_spawn(impl_->ioc, impl_->ExpireMedia(), asio::detached);
}

unsigned short EmulatorServer::Port() const { return impl_->port; }

void EmulatorServer::Stop() {
    asio::post(impl_->ioc, [impl = impl_] {
        boost::system::error_code ignored;
        impl->acceptor.close(ignored);
    });
}

BackgroundEmulatorServer::BackgroundEmulatorServer(std::shared_ptr<Emulator> emulator,
                                                   EmulatorServerOptions options,
                                                   const std::string& host, unsigned short port)
    : emulator_(std::move(emulator)), host_(host) {
    server_ = std::make_unique<EmulatorServer>(ioc_, emulator_, std::move(options));
    server_->Start(host, port);
    thread_ = std::thread([this] { ioc_.run(); });
}

BackgroundEmulatorServer::~BackgroundEmulatorServer() {
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
}

std::string BackgroundEmulatorServer::Endpoint() const {
    return "http://" + host_ + ":" + std::to_string(Port());
}

}  // namespace ivs::emulator
