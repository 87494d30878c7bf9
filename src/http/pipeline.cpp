#include "http/pipeline.hpp"

#include <boost/json/parse.hpp>

#include <chrono>

#include "core/log.hpp"
#include "core/random.hpp"

namespace ivs::http {
namespace bhttp = boost::beast::http;
namespace {

std::string_view PathOf(std::string_view target) {
    auto q = target.find('?');
    return q == std::string_view::npos ? target : target.substr(0, q);
}

std::string_view QueryOf(std::string_view target) {
    auto q = target.find('?');
    return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

bool IsApiPath(std::string_view path) { return path == "/api" || path.rfind("/api/", 0) == 0; }

// The Allow header: the route's methods, and HEAD wherever GET is served (HEAD is answered by
// the GET handler without the body).
std::string AllowList(const std::vector<Verb>& verbs) {
    std::string out;
    auto add = [&](Verb v) {
        if (!out.empty()) out += ", ";
        out += std::string(bhttp::to_string(v));
    };
    for (Verb v : verbs) {
        add(v);
        if (v == Verb::get) add(Verb::head);
    }
    return out;
}

Result<boost::json::object> ParseBody(const Request& req) {
    const std::string& body = req.body();
    bool blank = body.find_first_not_of(" \t\r\n") == std::string::npos;
    if (blank) return boost::json::object{};
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(body, ec);
    // The body as a whole is the invalid field.
    if (ec) return InvalidFields({"body"}, "Malformed JSON in request body");
    if (!v.is_object()) return InvalidFields({"body"}, "Request body must be a JSON object");
    return std::move(v.as_object());
}

}  // namespace

Pipeline::Pipeline(PipelineOptions options, const Router& router, const Authenticator& auth,
                   RateLimiter& limiter, RequestObserver observer)
    : options_(std::move(options)),
      router_(router),
      auth_(auth),
      limiter_(limiter),
      observer_(std::move(observer)) {
    // Defaults of helmet 7, the seed's security middleware.
    security_headers_ = {
        {"Content-Security-Policy",
         "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action "
         "'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src "
         "'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';"
         "connect-src 'self' ws: wss:;upgrade-insecure-requests"},
        {"Cross-Origin-Opener-Policy", "same-origin"},
        {"Cross-Origin-Resource-Policy", "same-origin"},
        {"Origin-Agent-Cluster", "?1"},
        {"Referrer-Policy", "no-referrer"},
        {"Strict-Transport-Security", "max-age=15552000; includeSubDomains"},
        {"X-Content-Type-Options", "nosniff"},
        {"X-DNS-Prefetch-Control", "off"},
        {"X-Download-Options", "noopen"},
        {"X-Frame-Options", "SAMEORIGIN"},
        {"X-Permitted-Cross-Domain-Policies", "none"},
        {"X-XSS-Protection", "0"},
    };
    for (const auto& o : options_.cors_origins) {
        if (o == "*") cors_any_ = true;
    }
    rate_window_suffix_ = ";w=" + std::to_string(options_.rate_limit_window_ms / 1000);
}

bool Pipeline::OriginAllowed(std::string_view origin) const {
    if (origin.empty()) return false;
    if (cors_any_) return true;
    for (const auto& o : options_.cors_origins) {
        if (o == origin) return true;
    }
    return false;
}

std::string Pipeline::ClientIp(const Request& request, const std::string& peer_ip) const {
    if (options_.trust_proxy) {
        auto it = request.find("x-forwarded-for");
        if (it != request.end()) {
            std::string_view v = it->value();
            auto comma = v.find(',');
            std::string_view first = v.substr(0, comma);
            while (!first.empty() && first.front() == ' ') first.remove_prefix(1);
            while (!first.empty() && first.back() == ' ') first.remove_suffix(1);
            if (!first.empty() && first.size() <= 64) return std::string(first);
        }
    }
    return peer_ip;
}

std::string Pipeline::RequestId(const Request& request) const {
    auto it = request.find("x-request-id");
    if (it != request.end()) {
        std::string_view v = it->value();
        bool sane = !v.empty() && v.size() <= 128;
        for (char c : v) {
            if (c < 0x21 || c > 0x7e) sane = false;
        }
        if (sane) return std::string(v);
    }
    return RandomUuid();
}

void Pipeline::Decorate(Reply& reply, const Request& request, std::string request_id) const {
    reply.Header("X-Request-Id", std::move(request_id));
    reply.shared_headers = &security_headers_;
    auto origin = request.find(bhttp::field::origin);
    if (origin != request.end() && OriginAllowed(origin->value())) {
        reply.Header("Access-Control-Allow-Origin", std::string(origin->value()));
        reply.Header("Access-Control-Allow-Credentials", "true");
        reply.Header("Access-Control-Expose-Headers",
                     "X-Request-Id, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, "
                     "RateLimit-Policy, Retry-After");
        reply.Header("Vary", "Origin");
    }
}

void Pipeline::LogAndObserve(const Request& request, const Reply& reply, std::string_view route,
                             const std::string& request_id, const std::string& client_ip,
                             const std::string& key_name, double seconds,
                             bool rate_limited) const {
    unsigned status = static_cast<unsigned>(reply.status);
    if (observer_) {
        observer_({request.method_string(), route.empty() ? "unmatched" : route, status, seconds,
                   rate_limited});
    }
    auto level = status >= 500 ? spdlog::level::warn : spdlog::level::info;
    if (!spdlog::default_logger_raw()->should_log(level)) return;
    boost::json::object f;
    f["method"] = request.method_string();
    f["path"] = PathOf(request.target());
    f["status"] = status;
    f["ms"] = std::round(seconds * 1e5) / 100.0;
    f["ip"] = client_ip;
    f["requestId"] = request_id;
    if (!key_name.empty()) f["key"] = key_name;  // the key's name, never its secret
    auto ua = request.find(bhttp::field::user_agent);
    if (ua != request.end()) f["ua"] = ua->value().substr(0, 200);
    log::Structured(level, "request", f);
}

Reply Pipeline::Reject(const Request& partial, const std::string& peer_ip, Error error) {
    std::string request_id = RequestId(partial);
    Reply reply = EnvelopeError(error);
    reply.close = true;
    LogAndObserve(partial, reply, "", request_id, ClientIp(partial, peer_ip), "", 0.0);
    Decorate(reply, partial, std::move(request_id));
    return reply;
}

boost::asio::awaitable<Reply> Pipeline::Handle(const Request& request, std::string peer_ip) {
    const auto started = std::chrono::steady_clock::now();
    RequestContext ctx(request);
    ctx.request_id = RequestId(request);
    ctx.client_ip = ClientIp(request, peer_ip);
    Identity identity;
    std::optional<RateDecision> decision;

    Reply reply = co_await Dispatch(ctx, identity, decision);

    reply.headers.reserve(reply.headers.size() + 10);  // rate limit, request id, CORS
    if (decision) {
        std::string limit = std::to_string(decision->limit);
        reply.Header("RateLimit-Policy", limit + rate_window_suffix_);
        reply.Header("RateLimit-Limit", std::move(limit));
        reply.Header("RateLimit-Remaining", std::to_string(decision->remaining));
        reply.Header("RateLimit-Reset", std::to_string(decision->reset_seconds));
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    LogAndObserve(request, reply, ctx.route_pattern, ctx.request_id, ctx.client_ip,
                  identity.principal.key_name, seconds, decision && !decision->allowed);
    Decorate(reply, request, std::move(ctx.request_id));  // logged first: the id moves here
    co_return reply;
}

boost::asio::awaitable<Reply> Pipeline::Dispatch(RequestContext& ctx, Identity& identity,
                                                 std::optional<RateDecision>& decision) {
    const Request& request = ctx.request;
    const std::string_view path = PathOf(request.target());

    // CORS preflight: answered before authentication, as browsers send no credentials.
    auto origin = request.find(bhttp::field::origin);
    if (request.method() == Verb::options && origin != request.end() &&
        request.find("access-control-request-method") != request.end()) {
        Reply reply;
        reply.status = HttpStatus::no_content;
        reply.content_type = {};
        if (OriginAllowed(origin->value())) {
            reply.Header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
            reply.Header("Access-Control-Allow-Headers",
                         "Content-Type, Authorization, X-API-Key, X-Request-Id");
            reply.Header("Access-Control-Max-Age", "600");
        }
        co_return reply;
    }

    RouteMatch match = router_.Match(request.method(), path);
    if (match.route) {
        ctx.route_pattern = match.route->pattern;
        ctx.params = std::move(match.params);
    }
    identity = auth_.Identify(request);
    ctx.principal = identity.principal;

    if (IsApiPath(path)) {
        const Principal& p = identity.principal;
        std::string rate_key;
        int rate_limit = options_.rate_limit_max_requests;
        if (!identity.rejected && p.kind == Principal::Kind::api_key) {
            rate_key = "key:" + p.key_name;
            if (p.rate_limit > 0) rate_limit = p.rate_limit;
        } else if (!identity.rejected && p.kind == Principal::Kind::session) {
            rate_key = "session:" + p.session->session_id;
        } else {
            rate_key = "ip:" + ctx.client_ip;
        }
        auto hit = co_await limiter_.Hit(std::move(rate_key), rate_limit,
                                         std::chrono::milliseconds(options_.rate_limit_window_ms));
        if (hit) {
            decision = *hit;
            if (!decision->allowed) {
                co_return EnvelopeError(
                    Error(Errc::rate_limited, "Too many requests, please try again later")
                        .WithRetryAfter(decision->reset_seconds));
            }
        } else {
            // A shared counter store being down must not take the API down with it.
            spdlog::warn("rate limiter unavailable, request allowed: {}", hit.error().message);
        }
    }

    if (!match.route) {
        if (!match.allowed.empty()) {
            Reply reply = EnvelopeError(Error(Errc::method_not_allowed,
                                              "Method " + std::string(request.method_string()) +
                                                  " is not allowed on " + std::string(path)));
            reply.Header("Allow", AllowList(match.allowed));
            co_return reply;
        }
        co_return EnvelopeError(
            Error(Errc::not_found, "Route " + std::string(path) + " does not exist"));
    }

    const Route& route = *match.route;
    if (auto allowed = auth_.Authorize(identity, route.options, request.method()); !allowed) {
        co_return EnvelopeError(allowed.error());
    }
    ctx.query = ParseQuery(QueryOf(request.target()));
    if (request.method() != Verb::get && request.method() != Verb::head) {
        auto body = ParseBody(request);
        if (!body) co_return EnvelopeError(body.error());
        ctx.body = std::move(*body);
    }
    try {
        co_return co_await route.handler(ctx);
    } catch (const std::exception& e) {
        spdlog::error("handler {} {} failed: {}", request.method_string(), route.pattern,
                      e.what());
    }
    co_return EnvelopeError(Error(Errc::internal, "Internal server error"));
}

}  // namespace ivs::http
