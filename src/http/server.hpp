#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http/options.hpp"
#include "http/pipeline.hpp"

namespace ivs::http {

// Takes over a connection whose request asked for an upgrade (WebSocket) on a registered path.
using UpgradeHandler = std::function<void(boost::beast::tcp_stream stream, Request request)>;
// Upgrade handlers by request path.
using UpgradeHandlers = std::map<std::string, UpgradeHandler, std::less<>>;
// Where accepted connections live: each executor belongs to an io_context run by exactly one
// thread, so a connection's work never needs a lock or a hand-off between threads.
using ConnectionLanes = std::vector<boost::asio::any_io_executor>;

// HTTP/1.1 server on Boost.Beast: keep-alive, per-connection read/write deadlines, header and
// body limits, graceful shutdown. Requests go through the Pipeline. Accepts on `ioc`; with
// `lanes`, connections are dealt round-robin over them, otherwise each lives on its own strand
// of `ioc` (which may run on as many threads as the caller likes).
class Server {
public:
    Server(boost::asio::io_context& ioc, ServerOptions options, Pipeline& pipeline,
           UpgradeHandlers upgrades = {}, ConnectionLanes lanes = {});
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
