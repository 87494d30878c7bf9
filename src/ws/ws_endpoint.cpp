#include "ws/ws_endpoint.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include "core/crypto.hpp"
#include "http/connection_limits.hpp"
#include "http/reply.hpp"
#include "http/router.hpp"
#include "metrics/registry.hpp"
#include "ws/ws_session.hpp"

namespace ivs::ws {
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace asio = boost::asio;

namespace {

bool OriginAllowed(const EndpointOptions& config, const http::Request& req) {
    auto it = req.find(bhttp::field::origin);
    if (it == req.end()) return true;  // not a browser
    std::string_view origin = it->value();
    for (const auto& o : config.cors_origins) {
        if (o == "*" || o == origin) return true;
    }
    auto host = req.find(bhttp::field::host);
    if (host != req.end()) {
        std::string h(host->value());
        if (origin == "http://" + h || origin == "https://" + h) return true;
    }
    return false;
}

bool Accepted(const http::Identity& id) {
    return !id.rejected && id.principal.kind != http::Principal::Kind::anonymous;
}

// Browsers cannot set headers on a WebSocket: the dashboard offers its key as the subprotocol
// "ivs-key.<base64url(key)>", so the key never appears in a URL (where proxies log it).
constexpr std::string_view kKeyProtocol = "ivs-key.";

// The offered "ivs-key." protocol, if any.
std::string KeyProtocol(const http::Request& req) {
    auto it = req.find(bhttp::field::sec_websocket_protocol);
    if (it == req.end()) return {};
    std::string_view list = it->value();
    while (!list.empty()) {
        auto comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item.substr(0, kKeyProtocol.size()) == kKeyProtocol) return std::string(item);
    }
    return {};
}

std::optional<Error> AuthenticateKeyProtocol(const EndpointDeps& deps,
                                             const std::string& protocol) {
    std::string key;
    if (!Base64UrlDecode(std::string_view(protocol).substr(kKeyProtocol.size()), key) ||
        key.empty()) {
        return Error(Errc::unauthorized, "Invalid API key");
    }
    http::Request as_key;
    as_key.set("x-api-key", key);
    if (Accepted(deps.auth.Identify(as_key))) return std::nullopt;
    return Error(Errc::unauthorized, "Invalid API key");
}

std::optional<Error> Authenticate(const EndpointDeps& deps, const http::Request& req) {
    http::Identity id = deps.auth.Identify(req);
    if (Accepted(id)) return std::nullopt;
    if (id.rejected) return *id.rejected;
    if (std::string protocol = KeyProtocol(req); !protocol.empty()) {
        return AuthenticateKeyProtocol(deps, protocol);
    }
    std::string_view target = req.target();
    auto q = target.find('?');
    if (q != std::string_view::npos) {
        auto query = http::ParseQuery(target.substr(q + 1));
        auto token = query.find("token");
        if (token != query.end() && !token->second.empty()) {
            http::Request as_session;
            as_session.set(bhttp::field::authorization, "Bearer " + token->second);
            if (Accepted(deps.auth.Identify(as_session))) return std::nullopt;
            // Only session tokens: an API key in a URL ends up in proxy and access logs.
            return Error(Errc::unauthorized,
                         "Invalid or expired session token (an API key goes in the x-api-key "
                         "header or the ivs-key.<base64url key> subprotocol, never in the URL)");
        }
    }
    if (deps.options.development) return std::nullopt;
    return Error(Errc::unauthorized,
                 "Missing credentials (x-api-key header, Sec-WebSocket-Protocol "
                 "ivs-key.<base64url key>, or ?token=<sessionToken>)");
}

asio::awaitable<void> Refuse(beast::tcp_stream stream, unsigned version, Error error) {
    std::string bytes = http::RefusalBytes(error, version ? version : 11);
    stream.expires_after(std::chrono::seconds(5));
    boost::system::error_code ec;
    co_await asio::async_write(stream, asio::buffer(bytes),
                              asio::redirect_error(asio::use_awaitable, ec));
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
}

}  // namespace

http::UpgradeHandler MakeUpgradeHandler(EndpointDeps deps) {
    auto& registry = metrics::DefaultRegistry();
    auto& refused = registry.Counters("ivs_ws_refused_total",
                                      "WebSocket upgrades refused, by reason", {"reason"});
    auto& slow = registry.Counters("ivs_ws_slow_clients_dropped_total",
                                   "WebSocket clients disconnected because their queue was full")
                     .Get();
    auto& sent = registry.Counters("ivs_ws_messages_sent_total",
                                   "WebSocket messages written to clients")
                     .Get();
    auto shared = std::make_shared<EndpointDeps>(std::move(deps));
    return [shared, &refused, &slow, &sent](beast::tcp_stream stream, http::Request req) {
        const EndpointDeps& d = *shared;
        std::optional<Error> refusal;
        if (!OriginAllowed(d.options, req)) {
            refusal = Error(Errc::forbidden, "Origin not allowed");
            refused.WithLabels({"origin"}).Inc();
        } else if (auto err = Authenticate(d, req)) {
            refusal = std::move(err);
            refused.WithLabels({"unauthorized"}).Inc();
        } else if (!d.hub->TryReserve()) {
            refusal = Error(Errc::unavailable, "Too many WebSocket connections");
            refused.WithLabels({"capacity"}).Inc();
        }
        if (refusal) {
            auto exec = stream.get_executor();
            asio::co_spawn(exec, Refuse(std::move(stream), req.version(), std::move(*refusal)),
                           asio::detached);
            return;
        }
        SessionOptions options;
        options.queue_limit = static_cast<std::size_t>(d.options.queue_limit);
        options.ping_period = std::chrono::seconds(d.options.ping_seconds);
        options.on_slow_client = [&slow] { slow.Inc(); };
        options.messages_sent = &sent;
        options.subprotocol = KeyProtocol(req);
        if (d.feed) {
            options.on_subscribed = [feed = d.feed](const std::shared_ptr<Subscriber>& s,
                                                    const std::string& channel) {
                if (channel == "stats") feed->SendCurrentTo(s);
            };
        }
        auto session =
            std::make_shared<WsSession>(std::move(stream), d.hub, d.clock, std::move(options));
        session->Start(std::move(req));
    };
}

}  // namespace ivs::ws
