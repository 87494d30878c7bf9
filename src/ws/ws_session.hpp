#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "http/request_context.hpp"
#include "metrics/registry.hpp"
#include "ws/hub.hpp"

namespace ivs::ws {

struct SessionOptions {
    std::size_t queue_limit = 64;                 // messages waiting to be written
    std::chrono::seconds ping_period{20};         // a ping after this long without traffic
    std::size_t max_message_bytes = 64 * 1024;    // largest client message accepted
    std::chrono::seconds close_timeout{10};       // to deliver the close of a dropped client
    // Called (on the session's strand) after a successful subscribe, so the feed can send the
    // current state to the new subscriber right away.
    std::function<void(const std::shared_ptr<Subscriber>&, const std::string& channel)> on_subscribed;
    // Called when a client is dropped because its queue was full.
    std::function<void()> on_slow_client;
    // Counts every message sent to the client, when set (outlives the session).
    metrics::Counter* messages_sent = nullptr;
    // The Sec-WebSocket-Protocol value the client authenticated with, echoed in the answer.
    std::string subprotocol;
};

// One WebSocket client: accepts the upgrade, reads control messages (subscribe, unsubscribe,
// ping), and writes queued messages one at a time on the connection's strand. Reads pause while
// the queue is half full (a client that sends without reading waits for its answers), and
// resume once it has drained to a quarter. A client whose queue reaches `queue_limit` leaves the
// hub at once (its queued messages are released) and is closed with 1013 (try again later)
// after the message being written; if that close cannot be delivered within
// `close_timeout`, the connection is cut. Keep-alive pings and close handshakes have deadlines. Deliver/CloseGoingAway are thread-safe. The session holds
// a connection slot reserved with Hub::TryReserve and releases it when destroyed.
class WsSession final : public Subscriber, public std::enable_shared_from_this<WsSession> {
public:
    WsSession(boost::beast::tcp_stream stream, std::shared_ptr<Hub> hub, const Clock& clock,
              SessionOptions options);
    ~WsSession() override;

    // Completes the handshake for the already-read upgrade request, then serves the client.
    void Start(http::Request request);

    void Deliver(Message message) override;
    void CloseGoingAway() override;

private:
    void OnAccept(boost::beast::error_code ec);
    void DoRead();
    void OnRead(boost::beast::error_code ec);
    void HandleText(std::string_view text);
    void Enqueue(Message message);
    void DoWrite();
    void OnWrite(boost::beast::error_code ec);
    void DropSlow();
    void Abort();
    void Finish();
    Message Reply(std::string_view type, std::string_view channel);
    Message ErrorMessage(std::string_view message);

    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    std::shared_ptr<Hub> hub_;
    const Clock& clock_;
    SessionOptions options_;
    boost::beast::flat_buffer buffer_;
    std::deque<Message> queue_;
    boost::asio::steady_timer close_timer_;
    bool open_ = false;
    bool read_paused_ = false;
    bool writing_ = false;
    bool closing_ = false;
    bool finished_ = false;
};

}  // namespace ivs::ws
