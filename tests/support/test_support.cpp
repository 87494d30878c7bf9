#include "test_support.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "core/log.hpp"

namespace ivs::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

std::optional<std::string> HarnessEnv(const std::string& name) {
    const char* v = std::getenv(name.c_str());
    if (!v || !*v) return std::nullopt;
    return std::string(v);
}

bool ServicesRequired() { return HarnessEnv("IVS_TEST_REQUIRE_SERVICES").has_value(); }

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ivs-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (condition()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(interval);
    }
}

boost::json::value HttpResponse::Json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec) return nullptr;
    return v;
}

std::string HttpResponse::Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string{} : it->second;
}

HttpResponse TryHttpCall(unsigned short port, const std::string& method, const std::string& target,
                         const std::string& body,
                         const std::map<std::string, std::string>& headers) {
    try {
        return HttpCall(port, method, target, body, headers);
    } catch (const std::exception&) {
        return HttpResponse{};
    }
}

HttpResponse HttpCall(unsigned short port, const std::string& method, const std::string& target,
                      const std::string& body, const std::map<std::string, std::string>& headers) {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    bool has_type = false;
    for (const auto& [k, v] : headers) {
        req.set(k, v);
        if (beast::iequals(k, "content-type")) has_type = true;
    }
    if (!body.empty()) {
        if (!has_type) req.set(bhttp::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (method == "HEAD") parser.skip(true);
    bhttp::read(stream, buffer, parser);
    HttpResponse out;
    auto& res = parser.get();
    out.status = res.result_int();
    for (const auto& f : res) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[name] = std::string(f.value());
    }
    out.body = res.body();
    beast::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    return out;
}

int RunCommand(const std::string& command, std::string* output) {
    std::string cmd = command + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return -1;
    std::array<char, 4096> buf;
    std::string out;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    int rc = pclose(p);
    if (output) *output = std::move(out);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

bool HasExponentNumber(const std::string& text) {
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if ((c == 'E' || c == 'e') && i > 0 &&
                   std::isdigit(static_cast<unsigned char>(text[i - 1]))) {
            return true;
        }
    }
    return false;
}

}  // namespace ivs::test
