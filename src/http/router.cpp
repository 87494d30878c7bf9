#include "http/router.hpp"

#include <algorithm>
#include <array>

#include "core/percent.hpp"

namespace ivs::http {
namespace {

// "arn:aws:ivs:us-east-1:123456789012:stage" (the part of a raw ARN before its '/').
bool IsArnPrefix(std::string_view s) {
    if (s.rfind("arn:", 0) != 0 || s.find('/') != std::string_view::npos) return false;
    auto colon = s.rfind(':');
    std::string_view type = s.substr(colon + 1);
    if (type.empty()) return false;
    return std::all_of(type.begin(), type.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; });
}

}  // namespace

std::vector<std::string> SplitPath(std::string_view path) {
    std::vector<std::string> decoded;
    size_t start = 0;
    while (start < path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        std::string_view raw = path.substr(start, end - start);
        if (!raw.empty()) {
            decoded.push_back(PercentDecodeOrKeep(raw));
        }
        start = end + 1;
    }
    std::vector<std::string> out;
    for (size_t i = 0; i < decoded.size(); ++i) {
        if (IsArnPrefix(decoded[i]) && i + 1 < decoded.size()) {
            out.push_back(decoded[i] + "/" + decoded[i + 1]);
            ++i;
        } else {
            out.push_back(std::move(decoded[i]));
        }
    }
    return out;
}

std::map<std::string, std::string, std::less<>> ParseQuery(std::string_view query) {
    std::map<std::string, std::string, std::less<>> out;
    size_t start = 0;
    while (start <= query.size() && !query.empty()) {
        size_t end = query.find('&', start);
        if (end == std::string_view::npos) end = query.size();
        std::string_view pair = query.substr(start, end - start);
        if (!pair.empty()) {
            auto eq = pair.find('=');
            std::string key = PercentDecodeOrKeep(pair.substr(0, eq), true);
            std::string value = eq == std::string_view::npos
                                    ? std::string()
                                    : PercentDecodeOrKeep(pair.substr(eq + 1), true);
            out.emplace(std::move(key), std::move(value));
        }
        if (end == query.size()) break;
        start = end + 1;
    }
    return out;
}

void Router::Add(Verb method, std::string pattern, Handler handler, RouteOptions options) {
    Route r;
    r.method = method;
    r.pattern = pattern;
    size_t start = 0;
    while (start < pattern.size()) {
        size_t end = pattern.find('/', start);
        if (end == std::string::npos) end = pattern.size();
        if (end > start) {
            std::string seg = pattern.substr(start, end - start);
            if (seg[0] != ':') ++r.literal_count;
            r.segments.push_back(std::move(seg));
        }
        start = end + 1;
    }
    r.handler = std::move(handler);
    r.options = std::move(options);
    routes_.push_back(std::move(r));
}

namespace {

// A path holds at most this many segments worth matching: no route is longer.
constexpr std::size_t kMaxSegments = 16;

struct PathSegments {
    std::array<std::string_view, kMaxSegments> views;
    std::size_t size = 0;
    bool too_long = false;
    std::vector<std::string> storage;  // decoded segments, only when the path has escapes
};

// Segments as views into the path itself when nothing needs decoding and every raw ARN's two
// halves are adjacent (the usual case, no allocation); else into decoded copies (SplitPath).
void Segment(std::string_view path, PathSegments& out) {
    auto push = [&](std::string_view seg) {
        if (out.size == kMaxSegments) {
            out.too_long = true;
            return;
        }
        out.views[out.size++] = seg;
    };
    if (path.find('%') == std::string_view::npos) {
        std::array<std::string_view, kMaxSegments + 1> raw;
        std::size_t n = 0;
        bool simple = true;
        for (std::size_t start = 0; start < path.size() && simple;) {
            std::size_t end = std::min(path.find('/', start), path.size());
            if (end > start) {
                if (n == raw.size()) simple = false;
                else raw[n++] = path.substr(start, end - start);
            }
            start = end + 1;
        }
        for (std::size_t i = 0; i < n && simple; ++i) {
            if (IsArnPrefix(raw[i]) && i + 1 < n) {
                if (raw[i + 1].data() != raw[i].data() + raw[i].size() + 1) simple = false;
                else push(std::string_view(raw[i].data(), raw[i].size() + 1 + raw[i + 1].size()));
                ++i;
            } else {
                push(raw[i]);
            }
        }
        if (simple) return;
        out.size = 0;
        out.too_long = false;
    }
    out.storage = SplitPath(path);
    for (const auto& seg : out.storage) push(seg);
}

}  // namespace

RouteMatch Router::Match(Verb method, std::string_view path) const {
    PathSegments segs;
    Segment(path, segs);
    RouteMatch best;
    if (segs.too_long) return best;
    int best_score = -1;
    int best_path_score = -1;
    for (const auto& r : routes_) {
        if (r.segments.size() != segs.size) continue;
        bool ok = true;
        for (size_t i = 0; i < segs.size && ok; ++i) {
            const std::string& p = r.segments[i];
            if (p[0] != ':' && p != segs.views[i]) ok = false;
        }
        if (!ok) continue;
        bool method_ok = r.method == method || (method == Verb::head && r.method == Verb::get);
        if (!method_ok) {
            // Only report methods of the most specific path shape.
            if (r.literal_count > best_path_score) {
                best_path_score = r.literal_count;
                best.allowed.clear();
            }
            if (r.literal_count == best_path_score) best.allowed.push_back(r.method);
            continue;
        }
        if (r.literal_count > best_score) {
            best_score = r.literal_count;
            best.route = &r;
        }
    }
    if (best.route) {
        best.allowed.clear();
        const auto& pattern = best.route->segments;
        for (size_t i = 0; i < segs.size; ++i) {
            if (pattern[i][0] == ':') best.params.emplace(pattern[i].substr(1), segs.views[i]);
        }
    }
    return best;
}

}  // namespace ivs::http
