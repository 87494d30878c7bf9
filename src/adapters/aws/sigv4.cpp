#include "adapters/aws/sigv4.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <string_view>

#include "adapters/aws/sigv4_detail.hpp"
#include "core/crypto.hpp"
#include "core/percent.hpp"

namespace ivs::aws {

namespace detail {

std::string ToLower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string DateOnly(SystemTime t) { return AmzDate(t).substr(0, 8); }

std::optional<std::string> FindHeader(const HttpRequestToSign& r, std::string_view lower_name) {
    for (const auto& [name, value] : r.headers) {
        if (ToLower(name) == lower_name) return value;
    }
    return std::nullopt;
}

}  // namespace detail

using namespace detail;

namespace {

bool IsUnreserved(unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~';
}

// Trims and collapses every run of whitespace (including folded lines) into one space.
std::string CanonicalHeaderValue(std::string_view v) {
    std::string out;
    bool pending_space = false;
    for (char c : v) {
        if (IsSpace(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out.push_back(' ');
        pending_space = false;
        out.push_back(c);
    }
    return out;
}

// Removes "." and ".." segments and empty segments, keeping a leading and a trailing slash.
std::string NormalizePath(std::string_view path) {
    std::vector<std::string_view> segments;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        std::string_view seg = path.substr(start, end - start);
        if (seg == "..") {
            if (!segments.empty()) segments.pop_back();
        } else if (!seg.empty() && seg != ".") {
            segments.push_back(seg);
        }
        start = end + 1;
    }
    std::string out = "/";
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (i > 0) out.push_back('/');
        out.append(segments[i]);
    }
    // A trailing slash (or a trailing "." / "..", which name a directory) survives.
    bool trailing = !path.empty() && (path.back() == '/' || path.ends_with("/.") ||
                                      path.ends_with("/.."));
    if (trailing && !segments.empty()) out.push_back('/');
    return out;
}

std::string CanonicalUri(const HttpRequestToSign& r, const SigV4Params& p) {
    std::string path = r.path.empty() ? std::string("/") : r.path;
    if (p.normalize_path) path = NormalizePath(path);
    if (p.double_encode_path) return UriEncode(path, true);
    // Single encoding (S3): encode only what is not already a valid wire character.
    return UriEncode(PercentDecodeOrKeep(path), true);
}

std::string CanonicalQuery(std::string_view query) {
    if (query.empty()) return {};
    std::vector<std::pair<std::string, std::string>> pairs;
    std::size_t start = 0;
    while (start <= query.size()) {
        std::size_t end = query.find('&', start);
        if (end == std::string_view::npos) end = query.size();
        std::string_view item = query.substr(start, end - start);
        if (!item.empty()) {
            std::size_t eq = item.find('=');
            std::string_view name = item.substr(0, eq);
            std::string_view value =
                eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
            pairs.emplace_back(UriEncode(PercentDecodeOrKeep(name)),
                               UriEncode(PercentDecodeOrKeep(value)));
        }
        start = end + 1;
    }
    std::sort(pairs.begin(), pairs.end());
    std::string out;
    for (const auto& [name, value] : pairs) {
        if (!out.empty()) out.push_back('&');
        out += name;
        out.push_back('=');
        out += value;
    }
    return out;
}



void RemoveHeader(HttpRequestToSign& r, std::string_view lower_name) {
    std::erase_if(r.headers, [&](const auto& h) { return ToLower(h.first) == lower_name; });
}

}  // namespace

std::string AmzDate(SystemTime t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

std::string CredentialScope(const SigV4Params& p) {
    return DateOnly(p.time) + "/" + p.region + "/" + p.service + "/aws4_request";
}

std::string UriEncode(std::string_view s, bool keep_slash) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() * 3);
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (IsUnreserved(c) || (keep_slash && c == '/')) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
        }
    }
    return out;
}

std::string CanonicalRequest(const HttpRequestToSign& r, const SigV4Params& p,
                             const std::vector<std::string>& signed_header_names) {
    std::vector<std::string> names;
    names.reserve(signed_header_names.size());
    for (const auto& n : signed_header_names) names.push_back(ToLower(n));
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());

    std::string out = r.method;
    out += '\n';
    out += CanonicalUri(r, p);
    out += '\n';
    out += CanonicalQuery(r.query);
    out += '\n';
    for (const auto& name : names) {
        std::string joined;
        bool first = true;
        for (const auto& [hname, hvalue] : r.headers) {
            if (ToLower(hname) != name) continue;
            if (!first) joined.push_back(',');
            joined += CanonicalHeaderValue(hvalue);
            first = false;
        }
        out += name;
        out += ':';
        out += joined;
        out += '\n';
    }
    out += '\n';
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += ';';
        out += names[i];
    }
    out += '\n';
    // A caller-provided payload hash (e.g. UNSIGNED-PAYLOAD) is what gets signed.
    auto declared = FindHeader(r, "x-amz-content-sha256");
    out += declared ? *declared : HexEncode(Sha256(r.body));
    return out;
}

std::string StringToSign(std::string_view canonical_request, const SigV4Params& p) {
    std::string out(kAlgorithm);
    out += '\n';
    out += AmzDate(p.time);
    out += '\n';
    out += CredentialScope(p);
    out += '\n';
    out += HexEncode(Sha256(canonical_request));
    return out;
}

std::string Signature(std::string_view secret, std::string_view string_to_sign,
                      const SigV4Params& p) {
    std::string key = HmacSha256("AWS4" + std::string(secret), DateOnly(p.time));
    key = HmacSha256(key, p.region);
    key = HmacSha256(key, p.service);
    key = HmacSha256(key, "aws4_request");
    return HexEncode(HmacSha256(key, string_to_sign));
}

void SignRequest(HttpRequestToSign& request, const Credentials& creds, const SigV4Params& params) {
    RemoveHeader(request, "authorization");
    RemoveHeader(request, "x-amz-date");
    RemoveHeader(request, "x-amz-security-token");
    request.headers.emplace_back("X-Amz-Date", AmzDate(params.time));
    if (params.add_content_sha256_header) {
        RemoveHeader(request, "x-amz-content-sha256");
        request.headers.emplace_back("X-Amz-Content-Sha256", HexEncode(Sha256(request.body)));
    }
    if (!creds.session_token.empty()) {
        request.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
    }
    std::vector<std::string> names;
    for (const auto& h : request.headers) names.push_back(ToLower(h.first));
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());

    std::string creq = CanonicalRequest(request, params, names);
    std::string sig = Signature(creds.secret_access_key, StringToSign(creq, params), params);
    std::string signed_headers;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) signed_headers += ';';
        signed_headers += names[i];
    }
    request.headers.emplace_back(
        "Authorization", std::string(kAlgorithm) + " Credential=" + creds.access_key_id + "/" +
                             CredentialScope(params) + ", SignedHeaders=" + signed_headers +
                             ", Signature=" + sig);
}

}  // namespace ivs::aws
