#pragma once

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>

#include "http/options.hpp"
#include "http/auth.hpp"
#include "http/rate_limiter.hpp"
#include "http/reply.hpp"
#include "http/router.hpp"

namespace ivs::http {

// One finished request, as seen by observers (metrics). Labels are route patterns, never paths.
struct RequestRecord {
    std::string_view method;
    std::string_view route;  // pattern, or "unmatched"
    unsigned status;
    double seconds;
    bool rate_limited = false;  // refused by the rate limiter (429)
};

using RequestObserver = std::function<void(const RequestRecord&)>;

// Turns a parsed request into a reply: request id, routing (404/405), rate limiting, CORS,
// authentication, JSON body parsing, the handler, the error envelope, common headers and the
// access log. Has no sockets, so it is tested directly. Thread-safe.
class Pipeline {
public:
    // `observer` (optional) sees every finished request (metrics).
    Pipeline(PipelineOptions options, const Router& router, const Authenticator& auth,
             RateLimiter& limiter, RequestObserver observer = {});

    boost::asio::awaitable<Reply> Handle(const Request& request, std::string peer_ip);

    // Reply for a request the server could not parse or accept (413, 400, 431), with the same
    // headers and log line as any other.
    Reply Reject(const Request& partial, const std::string& peer_ip, Error error);

    // The headers every reply carries (Reply::shared_headers points here).
    const std::vector<std::pair<std::string, std::string>>& SharedHeaders() const {
        return security_headers_;
    }

private:
    boost::asio::awaitable<Reply> Dispatch(RequestContext& ctx, Identity& identity,
                                           std::optional<RateDecision>& decision);
    std::string ClientIp(const Request& request, const std::string& peer_ip) const;
    std::string RequestId(const Request& request) const;
    void Decorate(Reply& reply, const Request& request, std::string request_id) const;
    void LogAndObserve(const Request& request, const Reply& reply, std::string_view route,
                       const std::string& request_id, const std::string& client_ip,
                       const std::string& key_name, double seconds,
                       bool rate_limited = false) const;
    bool OriginAllowed(std::string_view origin) const;

    PipelineOptions options_;
    const Router& router_;
    const Authenticator& auth_;
    RateLimiter& limiter_;
    RequestObserver observer_;
    std::vector<std::pair<std::string, std::string>> security_headers_;
    bool cors_any_ = false;
    std::string rate_window_suffix_;  // ";w=<window seconds>" of RateLimit-Policy
};

}  // namespace ivs::http
