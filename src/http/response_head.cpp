#include "http/response_head.hpp"

#include <boost/beast/http/status.hpp>

#include <charconv>

namespace ivs::http {
namespace {

void AppendField(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
}

void AppendNumber(std::string& out, std::size_t n) {
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out.append(digits, end);
}

}  // namespace

std::string FormatFieldLines(const HeaderList& headers) {
    std::string out;
    for (const auto& [name, value] : headers) AppendField(out, name, value);
    return out;
}

void AppendResponseHead(std::string& out, const Reply& reply, unsigned version, bool keep_alive,
                        std::string_view shared_lines) {
    const unsigned code = static_cast<unsigned>(reply.status);
    out.append("HTTP/");
    out.push_back(static_cast<char>('0' + version / 10));
    out.push_back('.');
    out.push_back(static_cast<char>('0' + version % 10));
    out.push_back(' ');
    AppendNumber(out, code);
    out.push_back(' ');
    out.append(boost::beast::http::obsolete_reason(reply.status));
    out.append("\r\n");
    AppendField(out, "Server", "ivs-server");
    if (!reply.content_type.empty()) AppendField(out, "Content-Type", reply.content_type);
    for (const auto& [name, value] : reply.headers) AppendField(out, name, value);
    if (version >= 11 && !keep_alive) AppendField(out, "Connection", "close");
    if (version < 11 && keep_alive) AppendField(out, "Connection", "keep-alive");
    out.append("Content-Length: ");
    AppendNumber(out, reply.body.size());
    out.append("\r\n");
    if (!shared_lines.empty()) {
        out.append(shared_lines);
    } else if (reply.shared_headers) {
        for (const auto& [name, value] : *reply.shared_headers) AppendField(out, name, value);
    }
    out.append("\r\n");
}

}  // namespace ivs::http
