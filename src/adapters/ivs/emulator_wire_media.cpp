// Media sessions over HTTP, as IVS client SDKs and WHIP encoders open them (no media flows):
//   POST   /whip                 publish (RFC 9725 WHIP): Content-Type application/sdp,
//                                Authorization: Bearer <participant token with PUBLISH>
//                                -> 201, Location /whip/<resource>, an SDP answer
//   POST   /subscribe            subscribe, same shape, token with SUBSCRIBE
//                                -> 201, Location /subscribe/<resource>, an SDP answer
//   PATCH  /whip/<resource>      keeps the session alive (ICE consent) -> 204
//   DELETE /whip/<resource>      unpublishes and leaves -> 200
// A bad, expired or foreign-key token is 401 (WWW-Authenticate: Bearer); a token for a stage
// it may not act in (missing capability) is 403.

#include <sstream>

#include "adapters/ivs/emulator_wire.hpp"
#include "core/percent.hpp"
#include "core/random.hpp"

namespace ivs::emulator {
namespace {

constexpr std::string_view kWhip = "/whip";
constexpr std::string_view kSubscribe = "/subscribe";

bool IsCredentialReason(std::string_view reason) {
    return reason == "malformed" || reason == "unsupported_alg" || reason == "unknown_key" ||
           reason == "bad_signature" || reason == "expired" || reason == "invalid_claims";
}

WireResponse Unauthorized(const std::string& message) {
    WireResponse r = ErrorResponse(401, "UnauthorizedException", message);
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
}

WireResponse MediaError(const Error& e) {
    auto reason = e.details.find("reason");
    if (reason != e.details.end() && reason->value().is_string() &&
        IsCredentialReason(reason->value().as_string())) {
        return Unauthorized(e.message);
    }
    return FromError(e);
}

// The media sections of an SDP offer: "m=" lines and their "a=mid:" values.
struct Section {
    std::string media_line;
    std::string mid;
};

std::vector<Section> Sections(const std::string& sdp) {
    std::vector<Section> out;
    std::istringstream in(sdp);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("m=", 0) == 0) {
            out.push_back({line, std::to_string(out.size())});
        } else if (line.rfind("a=mid:", 0) == 0 && !out.empty()) {
            out.back().mid = line.substr(6);
        }
    }
    return out;
}

std::string Answer(const std::vector<Section>& sections, bool publisher) {
    std::string fingerprint;
    for (unsigned char byte : RandomBytes(32)) {
        static constexpr char kHex[] = "0123456789ABCDEF";
        if (!fingerprint.empty()) fingerprint += ':';
        fingerprint += kHex[byte >> 4];
        fingerprint += kHex[byte & 15];
    }
    std::string ufrag = RandomAlnum(8);
    std::string pwd = RandomAlnum(24);
    std::string sdp = "v=0\r\no=- " + std::to_string(RandomU64() >> 2) +
                      " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-lite\r\na=group:BUNDLE";
    for (const auto& s : sections) sdp += " " + s.mid;
    sdp += "\r\n";
    for (const auto& s : sections) {
        // "m=<media> <port> <proto> <formats>" answered on the discard port with the same formats.
        std::istringstream words(s.media_line.substr(2));
        std::string media, port, proto, formats, fmt;
        words >> media >> port >> proto;
        while (words >> fmt) formats += " " + fmt;
        sdp += "m=" + media + " 9 " + proto + formats + "\r\nc=IN IP4 0.0.0.0\r\na=mid:" + s.mid +
               "\r\na=" + (publisher ? "recvonly" : "sendonly") + "\r\na=ice-ufrag:" + ufrag +
               "\r\na=ice-pwd:" + pwd + "\r\na=fingerprint:sha-256 " + fingerprint +
               "\r\na=setup:passive\r\na=rtcp-mux\r\n";
    }
    return sdp;
}

WireResponse Open(Emulator& e, const WireRequest& req, bool publisher) {
    std::string auth = HeaderOf(req, "authorization");
    if (auth.size() < 8 || (auth.compare(0, 7, "Bearer ") != 0 && auth.compare(0, 7, "bearer ") != 0)) {
        return Unauthorized("A participant token is required: Authorization: Bearer <token>");
    }
    std::string type = HeaderOf(req, "content-type");
    if (type.substr(0, type.find(';')) != "application/sdp") {
        return ErrorResponse(415, "UnsupportedMediaTypeException",
                             "The offer must be sent as Content-Type: application/sdp");
    }
    auto sections = Sections(req.body);
    if (req.body.rfind("v=0", 0) != 0 || sections.empty()) {
        return ErrorResponse(400, "ValidationException",
                             "The body is not an SDP offer with at least one media section");
    }
    auto opened = e.OpenMedia(std::string_view(auth).substr(7), publisher);
    if (!opened) return MediaError(opened.error());
    WireResponse r;
    r.status = 201;
    r.headers.emplace_back("Content-Type", "application/sdp");
    r.headers.emplace_back("Location", std::string(publisher ? kWhip : kSubscribe) + "/" +
                                           opened->resource_id);
    r.headers.emplace_back("ETag", "\"" + opened->resource_id + "\"");
    r.headers.emplace_back("x-ivs-participant-id", opened->participant_id);
    r.headers.emplace_back("x-ivs-session-id", opened->session_id);
    r.body = Answer(sections, publisher);
    return r;
}

}  // namespace

bool IsMediaPath(std::string_view path) {
    for (std::string_view base : {kWhip, kSubscribe}) {
        if (path == base || (path.size() > base.size() + 1 && path.substr(0, base.size()) == base &&
                             path[base.size()] == '/')) {
            return true;
        }
    }
    return false;
}

WireResponse HandleMedia(Emulator& e, const EmulatorServerOptions&, const WireRequest& req) {
    std::string_view path = req.path;
    const bool publisher = path.substr(0, kWhip.size()) == kWhip;
    const std::string_view base = publisher ? kWhip : kSubscribe;
    if (path == base) {
        if (req.method == "POST") return Open(e, req, publisher);
        if (req.method == "OPTIONS") {
            WireResponse r{204, {{"Accept-Post", "application/sdp"}}, ""};
            return r;
        }
        return ErrorResponse(405, "MethodNotAllowedException", "Use POST with an SDP offer");
    }
    std::string resource = PercentDecodeOrKeep(path.substr(base.size() + 1));
    if (req.method == "DELETE") {
        if (auto st = e.CloseMedia(resource); !st) return FromError(st.error());
        return WireResponse{200, {}, ""};
    }
    if (req.method == "PATCH") {
        if (auto st = e.RefreshMedia(resource); !st) return FromError(st.error());
        return WireResponse{204, {}, ""};
    }
    return ErrorResponse(405, "MethodNotAllowedException", "Use PATCH or DELETE on a session");
}

}  // namespace ivs::emulator
