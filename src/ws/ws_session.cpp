#include "ws/ws_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/json_text.hpp"
#include "core/time_format.hpp"

namespace ivs::ws {
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
namespace json = boost::json;

WsSession::WsSession(beast::tcp_stream stream, std::shared_ptr<Hub> hub, const Clock& clock,
                     SessionOptions options)
    : ws_(std::move(stream)),
      hub_(std::move(hub)),
      clock_(clock),
      options_(std::move(options)),
      close_timer_(ws_.get_executor()) {}

WsSession::~WsSession() { hub_->Release(); }

void WsSession::Start(http::Request request) {
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(10);
    // Beast pings after half the idle timeout and drops the peer after the full one.
    timeouts.idle_timeout = options_.ping_period * 2;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [protocol = options_.subprotocol](websocket::response_type& res) {
            res.set(beast::http::field::server, "ivs-server");
            // A browser fails the handshake unless the protocol it offered is echoed.
            if (!protocol.empty()) res.set(beast::http::field::sec_websocket_protocol, protocol);
        }));
    ws_.read_message_max(options_.max_message_bytes);
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
        self->OnAccept(ec);
    });
}

void WsSession::OnAccept(beast::error_code ec) {
    if (ec) return;
    open_ = true;
    hub_->Join(shared_from_this());
    DoRead();
}

void WsSession::DoRead() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        self->OnRead(ec);
    });
}

void WsSession::OnRead(beast::error_code ec) {
    if (ec) {
        Finish();
        return;
    }
    if (ws_.got_text()) {
        std::string text = beast::buffers_to_string(buffer_.data());
        HandleText(text);
    } else {
        Enqueue(ErrorMessage("Binary messages are not supported"));
    }
    buffer_.consume(buffer_.size());
    if (finished_ || closing_) return;
    // Back-pressure: a client that sends faster than it reads the answers waits for them.
    if (queue_.size() >= std::max<std::size_t>(1, options_.queue_limit / 2)) {
        read_paused_ = true;
        return;
    }
    DoRead();
}

void WsSession::HandleText(std::string_view text) {
    boost::system::error_code jec;
    json::value v = json::parse(text, jec);
    if (jec || !v.is_object()) {
        Enqueue(ErrorMessage("Message is not a JSON object"));
        return;
    }
    const auto& o = v.as_object();
    // Seed documentation used "action"; the seed code used "type". Both work.
    const json::value* type = o.if_contains("type");
    if (!type || !type->is_string()) type = o.if_contains("action");
    if (!type || !type->is_string()) {
        Enqueue(ErrorMessage("Message needs a string \"type\""));
        return;
    }
    std::string_view t = type->as_string();
    if (t == "ping") {
        Enqueue(Reply("pong", {}));
        return;
    }
    if (t != "subscribe" && t != "unsubscribe") {
        Enqueue(ErrorMessage("Unknown message type"));
        return;
    }
    const json::value* ch = o.if_contains("channel");
    std::string channel = ch && ch->is_string() ? std::string(ch->as_string()) : std::string("stats");
    bool valid = channel == "stats" ||
                 (channel.size() > 6 && channel.size() <= 512 && channel.rfind("stage:", 0) == 0);
    if (!valid) {
        Enqueue(ErrorMessage("Unknown channel (use \"stats\" or \"stage:<stageArn>\")"));
        return;
    }
    if (t == "unsubscribe") {
        hub_->Unsubscribe(this, channel);
        Enqueue(Reply("unsubscribed", channel));
        return;
    }
    if (!hub_->Subscribe(this, channel)) {
        Enqueue(ErrorMessage("Too many subscriptions on this connection"));
        return;
    }
    Enqueue(Reply("subscribed", channel));
    if (options_.on_subscribed) options_.on_subscribed(shared_from_this(), channel);
}

void WsSession::Deliver(Message message) {
    asio::post(ws_.get_executor(), [self = shared_from_this(), m = std::move(message)]() mutable {
        self->Enqueue(std::move(m));
    });
}

void WsSession::Enqueue(Message message) {
    if (!open_ || closing_ || finished_) return;
    if (queue_.size() >= options_.queue_limit) {
        spdlog::warn("websocket client too slow ({} messages queued): disconnecting",
                     queue_.size());
        if (options_.on_slow_client) options_.on_slow_client();
        DropSlow();
        return;
    }
    queue_.push_back(std::move(message));
    if (!writing_) DoWrite();
}

void WsSession::DoWrite() {
    writing_ = true;
    if (options_.messages_sent) options_.messages_sent->Inc();
    ws_.text(true);
    ws_.async_write(asio::buffer(*queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->OnWrite(ec);
                    });
}

void WsSession::OnWrite(beast::error_code ec) {
    writing_ = false;
    if (ec) {
        Abort();
        return;
    }
    if (!queue_.empty()) queue_.pop_front();
    if (closing_ || finished_) return;
    if (read_paused_ && queue_.size() <= options_.queue_limit / 4) {
        read_paused_ = false;
        DoRead();
    }
    if (!queue_.empty()) DoWrite();
}

void WsSession::CloseGoingAway() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
        if (!self->open_ || self->closing_ || self->finished_) return;
        self->closing_ = true;
        self->ws_.async_close(websocket::close_code::going_away,
                              [self](beast::error_code) { self->Finish(); });
    });
}

void WsSession::DropSlow() {
    closing_ = true;
    // The message being written stays alive until its write completes; the rest is released.
    Message in_flight = writing_ && !queue_.empty() ? queue_.front() : nullptr;
    Finish();
    close_timer_.expires_after(options_.close_timeout);
    close_timer_.async_wait([self = shared_from_this(), in_flight](beast::error_code ec) {
        if (ec) return;  // the close completed first
        beast::error_code ignored;
        beast::get_lowest_layer(self->ws_).socket().close(ignored);
    });
    // Sent after the write in progress (the stream queues it), then the peer's close awaited.
    ws_.async_close(websocket::close_reason(websocket::close_code::try_again_later,
                                            "send queue full"),
                    [self = shared_from_this(), in_flight](beast::error_code) {
                        self->close_timer_.cancel();
                    });
}

void WsSession::Abort() {
    // Closing the socket cancels pending reads and writes; their handlers then finish.
    closing_ = true;
    queue_.clear();
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).socket().close(ec);
    Finish();
}

void WsSession::Finish() {
    if (finished_) return;
    finished_ = true;
    queue_.clear();
    hub_->Leave(this);
}

Message WsSession::Reply(std::string_view type, std::string_view channel) {
    json::object o;
    o["type"] = type;
    if (!channel.empty()) o["channel"] = channel;
    o["timestamp"] = FormatIso8601Millis(clock_.Now());
    return std::make_shared<const std::string>(SerializeJson(o));
}

Message WsSession::ErrorMessage(std::string_view message) {
    json::object o;
    o["type"] = "error";
    o["error"] = json::object{{"code", "VALIDATION_ERROR"}, {"message", message}};
    o["timestamp"] = FormatIso8601Millis(clock_.Now());
    return std::make_shared<const std::string>(SerializeJson(o));
}

}  // namespace ivs::ws
