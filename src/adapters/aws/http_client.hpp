#pragma once

// A small asynchronous HTTP/1.1 client for calling AWS (and other) APIs: HTTPS through OpenSSL
// with certificate and host-name verification against the system CA store, plain HTTP when the
// URL says http://, keep-alive connections pooled per scheme/host/port, one deadline per call
// covering resolve, connect, TLS handshake, write and read, and a cap on the response body.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace ivs::aws {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method = "GET";
    // Absolute URL: http(s)://host[:port]/path?query. Path and query are sent as given
    // (already percent-encoded).
    std::string url;
    // Sent as given. Host, Content-Length and (unless set) User-Agent are added by the client.
    HeaderList headers;
    std::string body;
    std::chrono::milliseconds timeout{10000};
};

struct HttpResponse {
    unsigned status = 0;
    HeaderList headers;
    std::string body;

    // The first value of a header (case-insensitive name), or nullopt.
    std::optional<std::string> Header(std::string_view name) const;
};

struct HttpClientOptions {
    std::size_t max_response_body_bytes = 8 * 1024 * 1024;
    std::size_t max_idle_per_host = 8;
    std::chrono::seconds idle_timeout{50};  // idle pooled connections older than this are dropped
    std::string ca_file;                     // extra trusted CA bundle (PEM); empty: system store
    bool verify_peer = true;                 // false only for tests against self-signed servers
    std::string user_agent = "ivs-server";
};

// The URL split into what a request needs (exposed for signing code).
struct ParsedUrl {
    bool tls = true;
    std::string host;   // without brackets for IPv6
    unsigned short port = 443;
    std::string target;  // "/path?query", at least "/"
    std::string path;    // "/path"
    std::string query;   // without '?'
    std::string host_header;  // host[:port] with the port only when not the scheme default
};
Result<ParsedUrl> ParseHttpUrl(std::string_view url);

// Thread-safe: Send may be called concurrently from any coroutine; each call uses its own
// connection (taken from the pool or newly opened). Destroy the client only after every Send
// has completed.
class HttpClient {
public:
    explicit HttpClient(boost::asio::any_io_executor executor, HttpClientOptions options = {});
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Errors: Errc::invalid_argument (bad URL), Errc::timeout (deadline passed),
    // Errc::unavailable (resolve/connect/TLS/IO failure, including certificate rejection),
    // Errc::internal (response over the body limit or malformed). Any HTTP status is a success.
    boost::asio::awaitable<Result<HttpResponse>> Send(HttpRequest request);

    // Connections opened so far (for tests of connection reuse).
    std::size_t connections_opened() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace ivs::aws
