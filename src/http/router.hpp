#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/reply.hpp"
#include "http/request_context.hpp"

namespace ivs::http {

using Verb = boost::beast::http::verb;
using Handler = std::function<boost::asio::awaitable<Reply>(RequestContext&)>;

// Who may call a route.
enum class Access {
    open,   // no credentials
    read,   // any API key (read, app or admin); read keys only for GET
    app,    // app or admin keys
    admin,  // admin keys
};

struct RouteOptions {
    Access access = Access::admin;
    bool allow_session = false;  // also accept "Authorization: Bearer <sessionToken>"
    std::string summary;         // one line, reused by the OpenAPI document
};

struct Route {
    Verb method;
    std::string pattern;
    std::vector<std::string> segments;  // literal, or ":name" for a parameter
    Handler handler;
    RouteOptions options;
    int literal_count = 0;
};

struct RouteMatch {
    const Route* route = nullptr;
    std::map<std::string, std::string, std::less<>> params;
    std::vector<Verb> allowed;  // when the path matched but the method did not
};

// Maps (method, path) to handlers. Parameters are ":name" segments; literal segments win over
// parameters. A stage ARN may be given URL-encoded ("arn%3Aaws...stage%2Fid") or raw
// ("arn:aws:...:stage/id"): raw ARNs spanning two segments are joined before matching.
// Registration is not thread-safe; matching is (the table is read-only once serving).
class Router {
public:
    void Add(Verb method, std::string pattern, Handler handler, RouteOptions options = {});
    RouteMatch Match(Verb method, std::string_view path) const;
    const std::vector<Route>& Routes() const { return routes_; }

private:
    std::vector<Route> routes_;
};

// Splits a raw path into decoded segments, joining raw ARNs as described above.
std::vector<std::string> SplitPath(std::string_view path);
// Parses "a=1&b=2" (first value of a name wins).
std::map<std::string, std::string, std::less<>> ParseQuery(std::string_view query);

}  // namespace ivs::http
