#include "adapters/ivs/emulator_wire.hpp"

#include <boost/json.hpp>

#include <functional>
#include <map>

#include "adapters/aws/sigv4.hpp"
#include "adapters/ivs/emulator_json.hpp"
#include "core/random.hpp"
#include "http/router.hpp"

namespace ivs::emulator {
namespace json = boost::json;
namespace {

using Body = json::object;
using OpResult = Result<json::object>;

WireResponse JsonResponse(unsigned status, const json::object& body) {
    WireResponse r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "application/json");
    r.headers.emplace_back("x-amzn-RequestId", RandomUuid());
    r.body = json::serialize(body);
    return r;
}

WireResponse ErrorResponse(unsigned status, std::string_view type, const std::string& message,
                           const json::object& extra = {}) {
    json::object body{{"exceptionMessage", message}, {"message", message}};
    for (const auto& kv : extra) body[kv.key()] = kv.value();
    WireResponse r = JsonResponse(status, body);
    r.headers.emplace_back("x-amzn-ErrorType", std::string(type));
    return r;
}

WireResponse FromError(const Error& e) {
    std::string type = IvsErrorType(e);
    if (type.empty()) type = "InternalServerException";
    json::object extra;
    if (auto it = e.details.find("reason"); it != e.details.end()) extra["reason"] = it->value();
    return ErrorResponse(HttpStatusForIvsError(type), type, e.message, extra);
}

// --- typed access to request members; a wrong type is a ValidationException ---

Error BadType(std::string_view name, std::string_view what) {
    return IvsError(kValidation, std::string(name) + " must be " + std::string(what));
}

Result<std::string> Str(const Body& b, std::string_view name) {
    auto it = b.find(name);
    if (it == b.end() || it->value().is_null()) return std::string();
    if (!it->value().is_string()) return BadType(name, "a string");
    return std::string(it->value().as_string());
}

Result<std::optional<std::int64_t>> Int(const Body& b, std::string_view name) {
    auto it = b.find(name);
    if (it == b.end() || it->value().is_null()) return std::optional<std::int64_t>();
    if (it->value().is_int64()) return std::optional<std::int64_t>(it->value().as_int64());
    if (it->value().is_uint64() && it->value().as_uint64() < (1ULL << 62)) {
        return std::optional<std::int64_t>(static_cast<std::int64_t>(it->value().as_uint64()));
    }
    return BadType(name, "an integer");
}

int Clamp(std::int64_t v) {
    return static_cast<int>(std::max<std::int64_t>(-1, std::min<std::int64_t>(v, 1'000'000)));
}

Result<int> IntOr(const Body& b, std::string_view name, int fallback) {
    auto v = Int(b, name);
    if (!v) return v.error();
    return v->has_value() ? Clamp(**v) : fallback;
}

Result<std::optional<bool>> Bool(const Body& b, std::string_view name) {
    auto it = b.find(name);
    if (it == b.end() || it->value().is_null()) return std::optional<bool>();
    if (!it->value().is_bool()) return BadType(name, "a boolean");
    return std::optional<bool>(it->value().as_bool());
}

Result<ports::Tags> Map(const Body& b, std::string_view name) {
    ports::Tags out;
    auto it = b.find(name);
    if (it == b.end() || it->value().is_null()) return out;
    if (!it->value().is_object()) return BadType(name, "a map of strings");
    for (const auto& kv : it->value().as_object()) {
        if (!kv.value().is_string()) return BadType(name, "a map of strings");
        out[std::string(kv.key())] = std::string(kv.value().as_string());
    }
    return out;
}

Result<std::vector<ports::Capability>> Capabilities(const Body& b) {
    std::vector<ports::Capability> out;
    auto it = b.find("capabilities");
    if (it == b.end() || it->value().is_null()) return out;
    if (!it->value().is_array()) return BadType("capabilities", "a list");
    for (const auto& v : it->value().as_array()) {
        if (v.is_string() && v.as_string() == "PUBLISH") out.push_back(ports::Capability::publish);
        else if (v.is_string() && v.as_string() == "SUBSCRIBE") out.push_back(ports::Capability::subscribe);
        else return IvsError(kValidation, "capabilities must be PUBLISH or SUBSCRIBE");
    }
    if (out.size() > 2) return IvsError(kValidation, "at most two capabilities");
    return out;
}

#define IVS_TRY(var, expr)              \
    auto var##_r = (expr);              \
    if (!var##_r) return var##_r.error(); \
    auto var = std::move(*var##_r)

template <class T, class F>
json::object PageJson(const ports::Page<T>& page, std::string_view member, F to_json) {
    json::array items;
    for (const auto& item : page.items) items.emplace_back(to_json(item));
    json::object o;
    o[member] = std::move(items);
    if (!page.next_token.empty()) o["nextToken"] = page.next_token;
    return o;
}

Result<ports::CreateTokenRequest> TokenRequest(const Body& b, std::string stage_arn) {
    ports::CreateTokenRequest r;
    r.stage_arn = std::move(stage_arn);
    IVS_TRY(duration, IntOr(b, "duration", 720));
    IVS_TRY(user_id, Str(b, "userId"));
    IVS_TRY(attributes, Map(b, "attributes"));
    IVS_TRY(caps, Capabilities(b));
    r.duration_minutes = duration;
    r.user_id = std::move(user_id);
    r.attributes = std::move(attributes);
    r.capabilities = std::move(caps);
    return r;
}

using Op = std::function<OpResult(Emulator&, const Body&)>;

const std::map<std::string, Op, std::less<>>& Operations() {
    static const std::map<std::string, Op, std::less<>> ops = {
        {"CreateStage",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(name, Str(b, "name"));
             IVS_TRY(tags, Map(b, "tags"));
             std::vector<ports::CreateTokenRequest> token_requests;
             if (auto it = b.find("participantTokenConfigurations");
                 it != b.end() && !it->value().is_null()) {
                 if (!it->value().is_array() || it->value().as_array().size() > 12) {
                     return IvsError(kValidation,
                                     "participantTokenConfigurations must be a list of at most 12");
                 }
                 for (const auto& c : it->value().as_array()) {
                     if (!c.is_object()) return BadType("participantTokenConfigurations", "a list of objects");
                     IVS_TRY(req, TokenRequest(c.as_object(), ""));
                     token_requests.push_back(std::move(req));
                 }
             }
             IVS_TRY(stage, e.CreateStage({name, tags}));
             json::array tokens;
             for (auto& req : token_requests) {
                 req.stage_arn = stage.arn;
                 IVS_TRY(token, e.CreateParticipantToken(req));
                 tokens.emplace_back(ParticipantTokenToJson(token));
             }
             return json::object{{"stage", stage.raw}, {"participantTokens", std::move(tokens)}};
         }},
        {"GetStage",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(arn, Str(b, "arn"));
             IVS_TRY(stage, e.GetStage(arn));
             return json::object{{"stage", stage.raw}};
         }},
        {"UpdateStage",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(arn, Str(b, "arn"));
             std::string name;
             if (b.contains("name")) {
                 IVS_TRY(n, Str(b, "name"));
                 name = std::move(n);
             } else {
                 IVS_TRY(current, e.GetStage(arn));
                 name = current.name;
             }
             IVS_TRY(stage, e.UpdateStage(arn, name));
             return json::object{{"stage", stage.raw}};
         }},
        {"DeleteStage",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(arn, Str(b, "arn"));
             if (auto st = e.DeleteStage(arn); !st) return st.error();
             return json::object{};
         }},
        {"ListStages",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(token, Str(b, "nextToken"));
             IVS_TRY(max, IntOr(b, "maxResults", 50));
             IVS_TRY(page, e.ListStages(token, max));
             return PageJson(page, "stages", StageSummaryToJson);
         }},
        {"CreateParticipantToken",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(arn, Str(b, "stageArn"));
             IVS_TRY(req, TokenRequest(b, arn));
             IVS_TRY(token, e.CreateParticipantToken(req));
             return json::object{{"participantToken", ParticipantTokenToJson(token)}};
         }},
        {"DisconnectParticipant",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(arn, Str(b, "stageArn"));
             IVS_TRY(pid, Str(b, "participantId"));
             IVS_TRY(reason, Str(b, "reason"));
             if (auto st = e.DisconnectParticipant(arn, pid, reason); !st) return st.error();
             return json::object{};
         }},
        {"ListParticipants",
         [](Emulator& e, const Body& b) -> OpResult {
             ports::ListParticipantsRequest r;
             IVS_TRY(arn, Str(b, "stageArn"));
             IVS_TRY(session, Str(b, "sessionId"));
             IVS_TRY(published, Bool(b, "filterByPublished"));
             IVS_TRY(state, Str(b, "filterByState"));
             IVS_TRY(user, Str(b, "filterByUserId"));
             IVS_TRY(recording, Str(b, "filterByRecordingState"));
             IVS_TRY(token, Str(b, "nextToken"));
             IVS_TRY(max, IntOr(b, "maxResults", 50));
             if (!recording.empty() &&
                 (published || !state.empty() || !user.empty())) {
                 return IvsError(kValidation, "Only one filter may be set");
             }
             r.stage_arn = arn;
             r.session_id = session;
             r.filter_by_published = published;
             r.filter_by_state = state;
             r.filter_by_user_id = user;
             r.next_token = token;
             r.max_results = max;
             IVS_TRY(page, e.ListParticipants(r));
             return PageJson(page, "participants", ParticipantSummaryToJson);
         }},
        {"ListStageSessions",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(arn, Str(b, "stageArn"));
             IVS_TRY(token, Str(b, "nextToken"));
             IVS_TRY(max, IntOr(b, "maxResults", 50));
             IVS_TRY(page, e.ListStageSessions(arn, token, max));
             return PageJson(page, "stageSessions", StageSessionToJson);
         }},
        {"StartParticipantReplication",
         [](Emulator& e, const Body& b) -> OpResult {
             ports::ReplicationRequest r;
             IVS_TRY(src, Str(b, "sourceStageArn"));
             IVS_TRY(dst, Str(b, "destinationStageArn"));
             IVS_TRY(pid, Str(b, "participantId"));
             IVS_TRY(window, IntOr(b, "reconnectWindowSeconds", 0));
             IVS_TRY(attributes, Map(b, "attributes"));
             r.source_stage_arn = src;
             r.destination_stage_arn = dst;
             r.participant_id = pid;
             r.reconnect_window_seconds = window;
             r.attributes = attributes;
             if (auto st = e.StartParticipantReplication(r); !st) return st.error();
             return json::object{};
         }},
        {"StopParticipantReplication",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(src, Str(b, "sourceStageArn"));
             IVS_TRY(dst, Str(b, "destinationStageArn"));
             IVS_TRY(pid, Str(b, "participantId"));
             if (auto st = e.StopParticipantReplication(src, dst, pid); !st) return st.error();
             return json::object{};
         }},
        {"ListParticipantReplicas",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(src, Str(b, "sourceStageArn"));
             IVS_TRY(pid, Str(b, "participantId"));
             IVS_TRY(token, Str(b, "nextToken"));
             IVS_TRY(max, IntOr(b, "maxResults", 50));
             IVS_TRY(page, e.ListParticipantReplicas(src, pid, token, max));
             return PageJson(page, "replicas", ReplicaToJson);
         }},
        {"ImportPublicKey",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(material, Str(b, "publicKeyMaterial"));
             IVS_TRY(name, Str(b, "name"));
             IVS_TRY(tags, Map(b, "tags"));
             IVS_TRY(key, e.ImportPublicKey(material, name, tags));
             return json::object{{"publicKey", PublicKeyToJson(key)}};
         }},
        {"GetPublicKey",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(arn, Str(b, "arn"));
             IVS_TRY(key, e.GetPublicKey(arn));
             return json::object{{"publicKey", PublicKeyToJson(key)}};
         }},
        {"ListPublicKeys",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(token, Str(b, "nextToken"));
             IVS_TRY(max, IntOr(b, "maxResults", 50));
             IVS_TRY(page, e.ListPublicKeys(token, max));
             return PageJson(page, "publicKeys", PublicKeySummaryToJson);
         }},
        {"DeletePublicKey",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(arn, Str(b, "arn"));
             if (auto st = e.DeletePublicKey(arn); !st) return st.error();
             return json::object{};
         }},
    };
    return ops;
}

Result<Body> ParseBody(const std::string& body) {
    if (body.empty()) return Body{};
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec || !v.is_object()) {
        return IvsError(kValidation, "The request body is not a JSON object");
    }
    return v.as_object();
}

std::string Decode(std::string_view s) {
    std::string out;
    if (!http::PercentDecode(s, out, false)) return std::string(s);
    return out;
}

// --- tag routes ---

OpResult HandleTags(Emulator& e, const WireRequest& req, const Body& body) {
    std::string arn = Decode(std::string_view(req.path).substr(6));
    if (req.method == "GET") {
        IVS_TRY(tags, e.ListTagsForResource(arn));
        return json::object{{"tags", TagsToJson(tags)}};
    }
    if (req.method == "POST") {
        if (!body.contains("tags")) return IvsError(kValidation, "tags is required");
        IVS_TRY(tags, Map(body, "tags"));
        if (auto st = e.TagResource(arn, tags); !st) return st.error();
        return json::object{};
    }
    if (req.method == "DELETE") {
        std::vector<std::string> keys;
        std::string_view q = req.query;
        while (!q.empty()) {
            auto amp = q.find('&');
            std::string_view part = q.substr(0, amp);
            q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
            auto eq = part.find('=');
            if (eq == std::string_view::npos) continue;
            if (Decode(part.substr(0, eq)) == "tagKeys") {
                std::string v;
                if (!http::PercentDecode(part.substr(eq + 1), v, true)) v = std::string(part.substr(eq + 1));
                keys.push_back(std::move(v));
            }
        }
        if (keys.empty()) return IvsError(kValidation, "tagKeys is required");
        if (auto st = e.UntagResource(arn, keys); !st) return st.error();
        return json::object{};
    }
    return IvsError(kValidation, "Unsupported method for /tags");
}

// --- control API ---

WireResponse HandleControl(Emulator& e, const WireRequest& req) {
    auto body = ParseBody(req.body);
    if (!body) return FromError(body.error());
    std::string_view action = std::string_view(req.path).substr(std::string_view("/_emulator/").size());
    auto str = [&](std::string_view name) {
        auto s = Str(*body, name);
        return s ? *s : std::string();
    };
    auto done = [](const Status& st) {
        return st ? JsonResponse(200, json::object{}) : FromError(st.error());
    };
    if (req.method == "POST" && action == "join") {
        auto joined = e.Join(str("stageArn"), str("token"));
        if (!joined) return FromError(joined.error());
        return JsonResponse(200, json::object{{"participantId", joined->participant_id},
                                              {"sessionId", joined->session_id}});
    }
    if (req.method == "POST" && action == "publish") {
        return done(e.Publish(str("stageArn"), str("participantId")));
    }
    if (req.method == "POST" && action == "unpublish") {
        return done(e.Unpublish(str("stageArn"), str("participantId")));
    }
    if (req.method == "POST" && action == "leave") {
        return done(e.Leave(str("stageArn"), str("participantId")));
    }
    if (action == "faults") {
        if (req.method == "DELETE") {
            e.ClearFaults();
            return JsonResponse(200, json::object{});
        }
        if (req.method == "POST") {
            Fault f;
            auto status = IntOr(*body, "status", 503);
            auto count = IntOr(*body, "count", 1);
            if (!status || !count || *status < 400 || *status > 599 || *count < 0) {
                return FromError(IvsError(kValidation, "status must be 400-599 and count >= 0"));
            }
            f.status = static_cast<unsigned>(*status);
            if (auto t = str("errorType"); !t.empty()) f.error_type = t;
            if (auto m = str("message"); !m.empty()) f.message = m;
            e.InjectFaults(f, *count);
            return JsonResponse(200, json::object{});
        }
    }
    if (req.method == "GET" && action == "stats") {
        return JsonResponse(200, json::object{{"apiCalls", e.ApiCalls()}});
    }
    return ErrorResponse(404, "ResourceNotFoundException", "Unknown control route");
}

Status CheckSignature(const EmulatorServerOptions& options, const WireRequest& req) {
    aws::HttpRequestToSign r{req.method, req.path, req.query, req.headers, req.body};
    auto caller = aws::VerifyRequest(
        r,
        [&](std::string_view key_id) -> std::optional<std::string> {
            if (key_id == options.access_key_id) return options.secret_access_key;
            return std::nullopt;
        },
        std::chrono::system_clock::now());
    if (!caller) return caller.error();
    if (caller->service != "ivs" && caller->service != "ivsrealtime") {
        json::object d{{"awsError", "SignatureDoesNotMatch"}};
        return Error(Errc::unauthorized,
                     "Credential should be scoped to correct service: 'ivs'", d);
    }
    return Ok();
}

unsigned AuthErrorStatus(std::string_view type) {
    return type == "IncompleteSignature" || type == "RequestExpired" ? 400 : 403;
}

}  // namespace

WireResponse HandleWire(Emulator& e, const EmulatorServerOptions& options,
                        const WireRequest& req) {
    if (req.path.rfind("/_emulator/", 0) == 0) return HandleControl(e, req);

    if (auto st = CheckSignature(options, req); !st) {
        const Error error = st.error();  // result::error() returns a copy: keep it alive
        std::string type = "SignatureDoesNotMatch";
        if (auto it = error.details.find("awsError");
            it != error.details.end() && it->value().is_string()) {
            type = std::string(it->value().as_string());
        }
        return ErrorResponse(AuthErrorStatus(type), type, error.message);
    }
    e.CountApiCall();
    if (auto fault = e.TakeFault()) {
        return ErrorResponse(fault->status, fault->error_type, fault->message);
    }
    auto body = ParseBody(req.body);
    if (!body) return FromError(body.error());

    OpResult result = IvsError(kValidation, "");
    if (req.path.rfind("/tags/", 0) == 0 && req.path.size() > 6) {
        result = HandleTags(e, req, *body);
    } else {
        std::string_view name = std::string_view(req.path).substr(1);
        auto& ops = Operations();
        auto it = ops.find(name);
        if (req.method != "POST" || it == ops.end()) {
            return ErrorResponse(404, "UnknownOperationException",
                                 "Unknown operation " + req.method + " " + req.path);
        }
        result = it->second(e, *body);
    }
    if (!result) return FromError(result.error());
    return JsonResponse(200, *result);
}

}  // namespace ivs::emulator
