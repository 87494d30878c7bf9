#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "http/options.hpp"
#include "http/pipeline.hpp"

namespace ivs::http {

// Takes over a connection whose request asked for an upgrade (WebSocket) on a registered path.
using UpgradeHandler = std::function<void(boost::beast::tcp_stream stream, Request request)>;
// Upgrade handlers by request path.
using UpgradeHandlers = std::map<std::string, UpgradeHandler, std::less<>>;

// HTTP/1.1 server on Boost.Beast: keep-alive, per-connection read/write deadlines, header and
// body limits, graceful shutdown. Requests go through the Pipeline. Runs on the io_context the
// caller runs (on as many threads as it likes); each connection lives on its own strand.
class Server {
public:
    Server(boost::asio::io_context& ioc, ServerOptions options, Pipeline& pipeline,
           UpgradeHandlers upgrades = {});
    ~Server();

    // Binds and starts accepting. Throws std::runtime_error when the address cannot be bound.
    void Start(const std::string& host, unsigned short port);
    unsigned short Port() const;

    // Stops accepting and closes idle keep-alive connections; requests in flight finish and
    // their connections close after the reply. Thread-safe.
    void BeginShutdown();
    std::size_t ActiveConnections() const;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace ivs::http
