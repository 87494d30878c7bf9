#include "adapters/aws/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>

#include <atomic>
#include <map>
#include <mutex>

namespace ivs::aws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using Deadline = std::chrono::steady_clock::time_point;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

bool IEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

Error IoError(std::string_view what, const ParsedUrl& url, const boost::system::error_code& ec) {
    if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
        return Error(Errc::timeout, std::string(what) + " " + url.host + ":" +
                                        std::to_string(url.port) + " timed out");
    }
    return Error(Errc::unavailable, std::string(what) + " " + url.host + ":" +
                                        std::to_string(url.port) + " failed: " + ec.message());
}

struct Connection {
    std::string key;
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer;
    std::chrono::steady_clock::time_point last_used;

    beast::tcp_stream& Tcp() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
};

struct ExchangeOutcome {
    Result<HttpResponse> response = Error(Errc::internal, "not sent");
    bool keep_alive = false;
    bool retryable = false;  // failed before any response byte: safe to resend on a new connection
};

template <class Stream>
asio::awaitable<ExchangeOutcome> Exchange(Stream& stream, Connection& conn,
                                          http::request<http::string_body>& req,
                                          const ParsedUrl& url, Deadline deadline,
                                          std::size_t body_limit) {
    ExchangeOutcome out;
    conn.Tcp().expires_at(deadline);
    auto [wec, written] = co_await http::async_write(stream, req, kTuple);
    (void)written;
    if (wec) {
        out.response = IoError("writing to", url, wec);
        out.retryable = wec != beast::error::timeout;
        co_return out;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(body_limit);
    if (req.method() == http::verb::head) parser.skip(true);
    auto [rec, read] = co_await http::async_read(stream, conn.buffer, parser, kTuple);
    (void)read;
    if (rec) {
        if (rec == http::error::body_limit) {
            out.response = Error(Errc::internal, "response from " + url.host + " exceeds " +
                                                     std::to_string(body_limit) + " bytes");
        } else {
            out.response = IoError("reading from", url, rec);
            out.retryable = !parser.got_some() && rec != beast::error::timeout;
        }
        co_return out;
    }
    auto msg = parser.release();
    HttpResponse res;
    res.status = msg.result_int();
    for (const auto& field : msg) {
        res.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    res.body = std::move(msg.body());
    out.keep_alive = msg.keep_alive();
    out.response = std::move(res);
    co_return out;
}

bool IsIpLiteral(const std::string& host) {
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
        if (IEquals(n, name)) return v;
    }
    return std::nullopt;
}

Result<ParsedUrl> ParseHttpUrl(std::string_view text) {
    auto parsed = boost::urls::parse_uri(text);
    if (!parsed) {
        return Error(Errc::invalid_argument, "invalid URL '" + std::string(text) + "'");
    }
    const auto& u = *parsed;
    ParsedUrl out;
    std::string scheme(u.scheme());
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme == "https") {
        out.tls = true;
        out.port = 443;
    } else if (scheme == "http") {
        out.tls = false;
        out.port = 80;
    } else {
        return Error(Errc::invalid_argument, "unsupported URL scheme '" + scheme + "'");
    }
    if (u.host_type() == boost::urls::host_type::ipv6) {
        out.host = std::string(u.encoded_host_address());
    } else {
        out.host = std::string(u.encoded_host());
    }
    if (out.host.empty()) return Error(Errc::invalid_argument, "URL without host");
    if (u.has_port()) {
        if (u.port_number() == 0) return Error(Errc::invalid_argument, "invalid URL port");
        out.port = u.port_number();
    }
    out.path = std::string(u.encoded_path());
    if (out.path.empty()) out.path = "/";
    out.query = u.has_query() ? std::string(u.encoded_query()) : std::string();
    out.target = out.path + (out.query.empty() && !u.has_query() ? "" : "?" + out.query);
    std::string host_part = u.host_type() == boost::urls::host_type::ipv6
                                ? "[" + out.host + "]"
                                : out.host;
    bool default_port = (out.tls && out.port == 443) || (!out.tls && out.port == 80);
    out.host_header = default_port ? host_part : host_part + ":" + std::to_string(out.port);
    return out;
}

struct HttpClient::Impl {
    asio::any_io_executor executor;
    HttpClientOptions options;
    ssl::context tls{ssl::context::tls_client};
    std::mutex mutex;
    std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
    std::atomic<std::size_t> opened{0};

    Impl(asio::any_io_executor ex, HttpClientOptions opts)
        : executor(std::move(ex)), options(std::move(opts)) {
        tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                        ssl::context::no_tlsv1_1);
        tls.set_default_verify_paths();
        if (!options.ca_file.empty()) tls.load_verify_file(options.ca_file);
        tls.set_verify_mode(options.verify_peer ? ssl::verify_peer : ssl::verify_none);
    }

    std::unique_ptr<Connection> TakeIdle(const std::string& key) {
        std::lock_guard lock(mutex);
        auto it = idle.find(key);
        if (it == idle.end()) return nullptr;
        auto now = std::chrono::steady_clock::now();
        while (!it->second.empty()) {
            auto conn = std::move(it->second.back());
            it->second.pop_back();
            if (now - conn->last_used < options.idle_timeout) return conn;
        }
        return nullptr;
    }

    void Release(std::unique_ptr<Connection> conn) {
        conn->last_used = std::chrono::steady_clock::now();
        std::lock_guard lock(mutex);
        auto& list = idle[conn->key];
        if (list.size() < options.max_idle_per_host) list.push_back(std::move(conn));
    }

    asio::awaitable<Result<std::unique_ptr<Connection>>> Open(const ParsedUrl& url,
                                                                const std::string& key,
                                                                Deadline deadline) {
        using namespace asio::experimental::awaitable_operators;
        tcp::resolver resolver(executor);
        asio::steady_timer timer(executor);
        timer.expires_at(deadline);
        auto raced = co_await (resolver.async_resolve(url.host, std::to_string(url.port), kTuple) ||
                               timer.async_wait(kTuple));
        if (raced.index() == 1) {
            co_return IoError("resolving", url, beast::error::timeout);
        }
        auto [rec, endpoints] = std::get<0>(std::move(raced));
        if (rec) co_return IoError("resolving", url, rec);

        auto conn = std::make_unique<Connection>();
        conn->key = key;
        if (url.tls) {
            conn->secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, tls);
        } else {
            conn->plain = std::make_unique<beast::tcp_stream>(executor);
        }
        conn->Tcp().expires_at(deadline);
        auto [cec, ep] = co_await conn->Tcp().async_connect(endpoints, kTuple);
        (void)ep;
        if (cec) co_return IoError("connecting to", url, cec);
        opened.fetch_add(1);
        if (url.tls) {
            SSL* native = conn->secure->native_handle();
            if (!IsIpLiteral(url.host) && !SSL_set_tlsext_host_name(native, url.host.c_str())) {
                co_return Error(Errc::unavailable, "cannot set TLS server name " + url.host);
            }
            if (options.verify_peer) {
                conn->secure->set_verify_callback(ssl::host_name_verification(url.host));
            }
            conn->Tcp().expires_at(deadline);
            auto [hec] = co_await conn->secure->async_handshake(ssl::stream_base::client, kTuple);
            if (hec) co_return IoError("TLS handshake with", url, hec);
        }
        co_return std::move(conn);
    }
};

HttpClient::HttpClient(asio::any_io_executor executor, HttpClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

HttpClient::~HttpClient() = default;

std::size_t HttpClient::connections_opened() const { return impl_->opened.load(); }

asio::awaitable<Result<HttpResponse>> HttpClient::Send(HttpRequest request) {
    auto self = impl_;  // keeps the pool alive for the whole call
    auto url = ParseHttpUrl(request.url);
    if (!url) co_return url.error();
    auto verb = http::string_to_verb(request.method);
    if (verb == http::verb::unknown) {
        co_return Error(Errc::invalid_argument, "unknown HTTP method " + request.method);
    }
    Deadline deadline = std::chrono::steady_clock::now() + request.timeout;
    std::string key = (url->tls ? "https://" : "http://") + url->host + ":" +
                      std::to_string(url->port);

    http::request<http::string_body> req{verb, url->target, 11};
    req.set(http::field::host, url->host_header);
    bool has_agent = false;
    for (const auto& [name, value] : request.headers) {
        if (IEquals(name, "host") || IEquals(name, "content-length")) continue;
        if (IEquals(name, "user-agent")) has_agent = true;
        req.insert(name, value);
    }
    if (!has_agent) req.set(http::field::user_agent, self->options.user_agent);
    req.body() = std::move(request.body);
    req.keep_alive(true);
    req.prepare_payload();

    // A pooled connection may have been closed by the server while idle; such a failure before
    // any response byte is retried once on a fresh connection.
    for (int attempt = 0;; ++attempt) {
        std::unique_ptr<Connection> conn = attempt == 0 ? self->TakeIdle(key) : nullptr;
        bool reused = conn != nullptr;
        if (!conn) {
            auto opened = co_await self->Open(*url, key, deadline);
            if (!opened) co_return opened.error();
            conn = std::move(*opened);
        }
        // (No co_await inside a conditional expression: GCC 12 miscompiles that.)
        ExchangeOutcome out;
        if (conn->secure) {
            out = co_await Exchange(*conn->secure, *conn, req, *url, deadline,
                                    self->options.max_response_body_bytes);
        } else {
            out = co_await Exchange(*conn->plain, *conn, req, *url, deadline,
                                    self->options.max_response_body_bytes);
        }
        if (!out.response && reused && out.retryable) continue;
        if (out.response && out.keep_alive) {
            conn->Tcp().expires_never();
            self->Release(std::move(conn));
        }
        co_return std::move(out.response);
    }
}

}  // namespace ivs::aws
