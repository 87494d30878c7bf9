#pragma once

// A scripted HTTP(S) server for the AWS adapter tests: 127.0.0.1, port 0, its own thread,
// keep-alive connections, a handler that decides every response, and a record of requests.

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ivs::test {

struct FakeRequest {
    std::string method, target, body;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string Header(const std::string& lower) const {
        auto it = headers.find(lower);
        return it == headers.end() ? std::string() : it->second;
    }
};

struct FakeResponse {
    unsigned status = 200;
    std::map<std::string, std::string> headers;
    std::string body;
    bool close = false;        // close the connection after answering
    bool hang = false;         // never answer (client deadline tests)
    bool drop_after = false;   // promise keep-alive, then close anyway (a stale pooled connection)
};

class FakeHttpServer {
public:
    using Handler = std::function<FakeResponse(const FakeRequest&)>;

    // With `cert_file`/`key_file` the server speaks TLS.
    explicit FakeHttpServer(Handler handler, std::string cert_file = {}, std::string key_file = {})
        : handler_(std::move(handler)), acceptor_(ioc_) {
        namespace asio = boost::asio;
        if (!cert_file.empty()) {
            tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
            tls_->use_certificate_chain_file(cert_file);
            tls_->use_private_key_file(key_file, asio::ssl::context::pem);
        }
        asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(ep.protocol());
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        asio::co_spawn(ioc_, Accept(), asio::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }

    ~FakeHttpServer() {
        ioc_.stop();
        thread_.join();
    }

    unsigned short port() const { return port_; }
    std::string url() const {
        return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
    }
    int connections() const { return connections_.load(); }

    void SetHandler(Handler h) {
        std::lock_guard lock(mutex_);
        handler_ = std::move(h);
    }
    std::vector<FakeRequest> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    std::size_t request_count() const {
        std::lock_guard lock(mutex_);
        return requests_.size();
    }

private:
    boost::asio::awaitable<void> Accept() {
        namespace asio = boost::asio;
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            ++connections_;
            asio::co_spawn(ioc_, Serve(std::move(socket)), asio::detached);
        }
    }

    boost::asio::awaitable<void> Serve(boost::asio::ip::tcp::socket socket) {
        namespace asio = boost::asio;
        namespace beast = boost::beast;
        if (tls_) {
            beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_);
            auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server,
                                                        asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            co_await Loop(stream);
        } else {
            beast::tcp_stream stream(std::move(socket));
            co_await Loop(stream);
        }
    }

    template <class Stream>
    boost::asio::awaitable<void> Loop(Stream& stream) {
        namespace asio = boost::asio;
        namespace beast = boost::beast;
        namespace http = beast::http;
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            auto [ec, n] = co_await http::async_read(stream, buffer, req,
                                                     asio::as_tuple(asio::use_awaitable));
            (void)n;
            if (ec) co_return;
            FakeRequest fr{std::string(req.method_string()), std::string(req.target()), req.body(), {}};
            for (const auto& f : req) {
                std::string name(f.name_string());
                for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                if (fr.headers.count(name)) fr.headers[name] += "," + std::string(f.value());
                else fr.headers[name] = std::string(f.value());
            }
            Handler handler;
            {
                std::lock_guard lock(mutex_);
                requests_.push_back(fr);
                handler = handler_;
            }
            FakeResponse out = handler(fr);
            if (out.hang) {
                asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::seconds(30));
                co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
                co_return;
            }
            http::response<http::string_body> res{static_cast<http::status>(out.status), 11};
            for (const auto& [k, v] : out.headers) res.set(k, v);
            res.body() = out.body;
            res.keep_alive(!out.close && req.keep_alive());
            res.prepare_payload();
            auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
            (void)wn;
            if (wec || out.close || out.drop_after || !req.keep_alive()) co_return;
        }
    }

    mutable std::mutex mutex_;
    Handler handler_;
    std::vector<FakeRequest> requests_;
    std::atomic<int> connections_{0};
    boost::asio::io_context ioc_;
    std::unique_ptr<boost::asio::ssl::context> tls_;
    boost::asio::ip::tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    std::thread thread_;
};

// Runs `coro` to completion on a fresh io_context and returns its result.
template <class T>
T RunAsync(std::function<boost::asio::awaitable<T>(boost::asio::io_context&)> coro) {
    boost::asio::io_context ioc;
    std::optional<T> out;
    boost::asio::co_spawn(ioc, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await coro(ioc)); },
                          [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    ioc.run();
    return std::move(*out);
}

}  // namespace ivs::test
