#include "core/json_text.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <cmath>
#include <system_error>

namespace ivs {
namespace {

bool NumberChar(char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// Appends the number token `token` (known to hold an exponent) as a plain decimal.
void AppendPlain(std::string& out, std::string_view token) {
    double d = 0;
    auto parsed = std::from_chars(token.data(), token.data() + token.size(), d);
    if (parsed.ec != std::errc() || !std::isfinite(d)) {
        out += "null";
        return;
    }
    // The shortest fixed-notation text that reads back as the same double.
    char buf[400];
    auto written = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    if (written.ec != std::errc()) {
        out += "null";
        return;
    }
    out.append(buf, written.ptr);
}

}  // namespace

std::string PlainJsonNumbers(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        const char c = text[i];
        if (c == '"') {
            // Copy the whole string, escapes included.
            std::size_t j = i + 1;
            while (j < n && text[j] != '"') j += text[j] == '\\' ? 2 : 1;
            j = std::min(j + 1, n);
            out.append(text.substr(i, j - i));
            i = j;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            std::size_t j = i;
            while (j < n && NumberChar(text[j])) ++j;
            std::string_view token = text.substr(i, j - i);
            if (token.find_first_of("eE") == std::string_view::npos) {
                out.append(token);
            } else {
                AppendPlain(out, token);
            }
            i = j;
        } else {
            out += c;
            ++i;
        }
    }
    return out;
}

std::string SerializeJson(const boost::json::value& v) {
    std::string text = boost::json::serialize(v);
    // Boost.JSON writes an exponent as 'E' after a digit; documents without one (most: few
    // hold a double) skip the rewrite.
    for (std::size_t at = text.find('E', 1); at != std::string::npos; at = text.find('E', at + 1)) {
        if (text[at - 1] >= '0' && text[at - 1] <= '9') return PlainJsonNumbers(text);
    }
    return text;
}

}  // namespace ivs
