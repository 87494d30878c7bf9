#pragma once

// Helpers for the live-view suites: the live wiring (WireLive) on a real HTTP/WebSocket server
// with a scripted audience, and a small blocking WebSocket client with deadlines.

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/app_context.hpp"
#include "ports/audience_stats.hpp"
#include "test_support.hpp"

namespace ivs::test {

// An audience whose numbers the test sets (the port's contract: a consistent snapshot).
class ScriptedAudience : public ports::AudienceStats {
public:
    boost::asio::awaitable<Result<ports::AudienceSnapshot>> Snapshot() override;
    void Set(int total, std::vector<ports::StageViewerCount> stages, bool live = false);
    void SetFailing(bool failing);

private:
    std::mutex mu_;
    ports::AudienceSnapshot snap_;
    bool failing_ = false;
};

// WireLive on its own: router, pipeline, server, upgrade handler, event bus, scripted audience.
class LiveRig {
public:
    // `verify_session` checks viewer session tokens (none: bearer tokens are refused).
    explicit LiveRig(Environment overrides = {},
                     http::Authenticator::SessionVerifier verify_session = {});
    ~LiveRig();

    unsigned short port() const;
    AppContext& ctx() { return *ctx_; }
    ScriptedAudience& audience() { return *audience_; }
    void Publish(std::string type, boost::json::object data);
    // Runs the on_stop steps (what graceful shutdown does) and waits for them.
    void RunStopSteps();

    static constexpr const char* kKey = "live-admin-key-0123456789";

private:
    std::unique_ptr<TempDir> dir_;
    Config config_;
    boost::asio::io_context ioc_{2};
    std::unique_ptr<http::Router> router_;
    std::unique_ptr<AppContext> ctx_;
    std::unique_ptr<http::Pipeline> pipeline_;
    std::unique_ptr<http::Server> server_;
    std::shared_ptr<ScriptedAudience> audience_;
    std::vector<std::thread> threads_;
    bool stopped_ = false;
};

// Blocking WebSocket client; every call has a deadline.
class WsClient {
public:
    // Returns the HTTP status of the handshake (101 on success).
    unsigned Connect(unsigned short port, const std::string& target,
                     const std::map<std::string, std::string>& headers = {});
    void Send(const std::string& text);
    // Next text message, or nullopt on timeout/close.
    std::optional<boost::json::object> Read(
        std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // Reads until `match` holds for a message or the deadline passes.
    std::optional<boost::json::object> ReadUntil(
        const std::function<bool(const boost::json::object&)>& match,
        std::chrono::milliseconds timeout = std::chrono::seconds(15));
    // Close code received, if the server closed the connection.
    std::optional<unsigned> close_code() const { return close_code_; }
    bool closed() const { return closed_; }
    void Close();

private:
    boost::asio::io_context ioc_;
    std::unique_ptr<boost::beast::websocket::stream<boost::beast::tcp_stream>> ws_;
    boost::beast::flat_buffer buffer_;
    std::optional<unsigned> close_code_;
    bool closed_ = false;
};

}  // namespace ivs::test
