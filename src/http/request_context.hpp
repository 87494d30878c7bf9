#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/api_key.hpp"
#include "core/error.hpp"

namespace ivs::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;

// What a viewer session token proves: this session of this user in this stage.
struct SessionClaims {
    std::string session_id;
    std::string user_id;
    std::string stage_arn;
};

// Who is calling. Set by the authentication step before the handler runs.
struct Principal {
    enum class Kind { anonymous, api_key, session, development } kind = Kind::anonymous;
    std::string key_name;  // API key name (never the secret)
    Scope scope = Scope::read;
    int rate_limit = 0;  // 0: the configured default
    std::optional<SessionClaims> session;

    bool IsApiKey() const { return kind == Kind::api_key || kind == Kind::development; }
};

// Per-request state shared by the pipeline and the handler. Lives for one request.
struct RequestContext {
    const Request& request;
    std::string request_id;
    std::string client_ip;
    std::string_view route_pattern;  // e.g. "/api/stage/:stageArn" (the router's); empty when unmatched
    std::map<std::string, std::string, std::less<>> params;  // decoded path parameters
    std::map<std::string, std::string, std::less<>> query;   // decoded query (first value wins)
    Principal principal;
    boost::json::object body;  // parsed JSON body ({} when empty)

    explicit RequestContext(const Request& r) : request(r) {}

    std::string_view Param(std::string_view name) const {
        auto it = params.find(name);
        return it == params.end() ? std::string_view{} : std::string_view(it->second);
    }
    std::optional<std::string_view> Query(std::string_view name) const {
        auto it = query.find(name);
        if (it == query.end()) return std::nullopt;
        return std::string_view(it->second);
    }
    std::string_view Header(std::string_view name) const {
        auto it = request.find(name);
        return it == request.end() ? std::string_view{} : std::string_view(it->value());
    }
};

}  // namespace ivs::http
