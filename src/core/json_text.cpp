#include "core/json_text.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

namespace ivs {
namespace {

bool NumberChar(char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

void AppendDouble(std::string& out, double d) {
    if (!std::isfinite(d)) {
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

// Appends the number token `token` (known to hold an exponent) as a plain decimal.
void AppendPlain(std::string& out, std::string_view token) {
    double d = 0;
    auto parsed = std::from_chars(token.data(), token.data() + token.size(), d);
    AppendDouble(out, parsed.ec == std::errc() ? d : std::nan(""));
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

namespace {

// A string as Boost.JSON writes it: quote, backslash and control characters escaped (\b \t \n
// \f \r, else \u00xx), everything else (UTF-8 included) as is.
void AppendString(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0;  // start of the bytes not yet copied
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        out.push_back('\\');
        switch (c) {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '\b': out.push_back('b'); break;
            case '\t': out.push_back('t'); break;
            case '\n': out.push_back('n'); break;
            case '\f': out.push_back('f'); break;
            case '\r': out.push_back('r'); break;
            default:
                out.append("u00");
                out.push_back(kHex[c >> 4]);
                out.push_back(kHex[c & 0xf]);
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

template <class Int>
void AppendInteger(std::string& out, Int n) {
    char buf[24];
    auto written = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, written.ptr);
}

void AppendValue(std::string& out, const boost::json::value& v) {
    switch (v.kind()) {
        case boost::json::kind::null: out += "null"; return;
        case boost::json::kind::bool_: out += v.get_bool() ? "true" : "false"; return;
        case boost::json::kind::int64: AppendInteger(out, v.get_int64()); return;
        case boost::json::kind::uint64: AppendInteger(out, v.get_uint64()); return;
        case boost::json::kind::double_: AppendDouble(out, v.get_double()); return;
        case boost::json::kind::string: AppendString(out, v.get_string()); return;
        case boost::json::kind::array: {
            out.push_back('[');
            bool first = true;
            for (const auto& e : v.get_array()) {
                if (!first) out.push_back(',');
                first = false;
                AppendValue(out, e);
            }
            out.push_back(']');
            return;
        }
        case boost::json::kind::object: {
            out.push_back('{');
            bool first = true;
            for (const auto& [key, e] : v.get_object()) {
                if (!first) out.push_back(',');
                first = false;
                AppendString(out, key);
                out.push_back(':');
                AppendValue(out, e);
            }
            out.push_back('}');
            return;
        }
    }
}

}  // namespace

void AppendJson(std::string& out, const boost::json::value& v) {
    // Written in one pass (numbers plain as they are written), not serialized then rewritten.
    AppendValue(out, v);
}

void AppendJsonString(std::string& out, std::string_view s) { AppendString(out, s); }

std::string SerializeJson(const boost::json::value& v) {
    std::string text;
    text.reserve(256);
    AppendJson(text, v);
    return text;
}

}  // namespace ivs
