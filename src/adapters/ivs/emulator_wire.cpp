#include "adapters/ivs/emulator_wire.hpp"

#include <boost/json.hpp>
#include <functional>
#include <map>

#include "adapters/aws/ivs_json.hpp"
#include "adapters/aws/sigv4.hpp"
#include "adapters/ivs/emulator_state.hpp"
#include "core/random.hpp"

namespace ivs::emulator {
using namespace aws::ivs_json;
namespace json = boost::json;

WireResponse JsonResponse(unsigned status, const json::object& body) {
    WireResponse r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "application/json");
    r.headers.emplace_back("x-amzn-RequestId", RandomUuid());
    r.body = json::serialize(body);
    return r;
}

WireResponse ErrorResponse(unsigned status, std::string_view type, const std::string& message,
                           const json::object& extra) {
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

Result<Body> ParseBody(const std::string& body) {
    if (body.empty()) return Body{};
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec || !v.is_object()) {
        return IvsError(kValidation, "The request body is not a JSON object");
    }
    return v.as_object();
}

Result<PageRequest> PageRequestOf(const Body& b) {
    IVS_TRY(token, Str(b, "nextToken"));
    IVS_TRY(max, IntOr(b, "maxResults", PageRequest{}.max_results));
    return PageRequest{std::move(token), max};
}

OpResult EmptyAnswer(const Status& status) {
    if (!status) return status.error();
    return json::object{};
}

namespace {

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

Result<std::optional<json::object>> Recording(const Body& b) {
    auto it = b.find("autoParticipantRecordingConfiguration");
    if (it == b.end() || it->value().is_null()) return std::optional<json::object>();
    if (!it->value().is_object()) {
        return BadType("autoParticipantRecordingConfiguration", "an object");
    }
    const json::object& config = it->value().as_object();
    if (auto st = CheckRecordingConfiguration(config); !st) return st.error();
    return std::optional<json::object>(config);
}

// participantTokenConfigurations of CreateStage, each checked like CreateParticipantToken.
Result<std::vector<ports::CreateTokenRequest>> TokenConfigurations(const Body& b) {
    std::vector<ports::CreateTokenRequest> out;
    auto it = b.find("participantTokenConfigurations");
    if (it == b.end() || it->value().is_null()) return out;
    if (!it->value().is_array() || it->value().as_array().size() > 12) {
        return IvsError(kValidation, "participantTokenConfigurations must be a list of at most 12");
    }
    for (const auto& c : it->value().as_array()) {
        if (!c.is_object()) return BadType("participantTokenConfigurations", "a list of objects");
        IVS_TRY(req, TokenRequest(c.as_object(), ""));
        if (auto st = CheckTokenRequest(req); !st) return st.error();
        out.push_back(std::move(req));
    }
    return out;
}

// One function per operation, named as the IVS operation.
OpResult CreateStage(Emulator& e, const Body& b) {
    IVS_TRY(name, Str(b, "name"));
    IVS_TRY(tags, Map(b, "tags"));
    IVS_TRY(recording, Recording(b));
    IVS_TRY(token_requests, TokenConfigurations(b));
    // Everything is validated before the stage exists: a refused call creates nothing.
    IVS_TRY(stage, e.CreateStage({name, tags}));
    if (recording) {
        if (auto st = e.SetRecordingConfiguration(stage.arn, *recording); !st) {
            return st.error();
        }
        IVS_TRY(with_recording, e.GetStage(stage.arn));
        stage = std::move(with_recording);
    }
    json::array tokens;
    for (auto& req : token_requests) {
        req.stage_arn = stage.arn;
        IVS_TRY(token, e.CreateParticipantToken(req));
        tokens.emplace_back(ParticipantTokenToJson(token));
    }
    return json::object{{"stage", stage.raw}, {"participantTokens", std::move(tokens)}};
}

OpResult GetStage(Emulator& e, const Body& b) {
    IVS_TRY(arn, Str(b, "arn"));
    IVS_TRY(stage, e.GetStage(arn));
    return json::object{{"stage", stage.raw}};
}

OpResult UpdateStage(Emulator& e, const Body& b) {
    IVS_TRY(arn, Str(b, "arn"));
    std::string name;
    if (b.contains("name")) {
        IVS_TRY(n, Str(b, "name"));
        name = std::move(n);
    } else {
        IVS_TRY(current, e.GetStage(arn));
        name = current.name;
    }
    IVS_TRY(recording, Recording(b));
    if (recording) {
        if (auto st = CheckRecordingConfiguration(*recording); !st) return st.error();
    }
    IVS_TRY(stage, e.UpdateStage(arn, name));
    if (recording) {
        if (auto st = e.SetRecordingConfiguration(arn, *recording); !st) return st.error();
        IVS_TRY(updated, e.GetStage(arn));
        return json::object{{"stage", updated.raw}};
    }
    return json::object{{"stage", stage.raw}};
}

OpResult CreateParticipantToken(Emulator& e, const Body& b) {
    IVS_TRY(arn, Str(b, "stageArn"));
    IVS_TRY(req, TokenRequest(b, arn));
    IVS_TRY(token, e.CreateParticipantToken(req));
    return json::object{{"participantToken", ParticipantTokenToJson(token)}};
}

OpResult ListParticipants(Emulator& e, const Body& b) {
    ports::ListParticipantsRequest r;
    IVS_TRY(arn, Str(b, "stageArn"));
    IVS_TRY(session, Str(b, "sessionId"));
    IVS_TRY(published, Bool(b, "filterByPublished"));
    IVS_TRY(state, Str(b, "filterByState"));
    IVS_TRY(user, Str(b, "filterByUserId"));
    IVS_TRY(recording, Str(b, "filterByRecordingState"));
    IVS_TRY(paging, PageRequestOf(b));
    // The model's @default(false): false means "not set".
    if (published && !*published) published.reset();
    if (!recording.empty() &&
        (published || !state.empty() || !user.empty())) {
        return IvsError(kValidation, "Only one filter may be set");
    }
    r.stage_arn = arn;
    r.session_id = session;
    r.filter_by_published = published;
    r.filter_by_state = state;
    r.filter_by_user_id = user;
    r.next_token = paging.next_token;
    r.max_results = paging.max_results;
    IVS_TRY(page, e.ListParticipants(r));
    return PageJson(page, "participants", ParticipantSummaryToJson);
}

OpResult StartParticipantReplication(Emulator& e, const Body& b) {
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
    return EmptyAnswer(e.StartParticipantReplication(r));
}

const OpTable& Operations() {
    static const OpTable ops = {
        {"CreateStage", CreateStage},
        {"GetStage", GetStage},
        {"UpdateStage", UpdateStage},
        {"DeleteStage", StrMembersOp(&Emulator::DeleteStage, {"arn"})},
        {"ListStages", PagedOp(&Emulator::ListStages, {}, "stages", StageSummaryToJson)},
        {"CreateParticipantToken", CreateParticipantToken},
        {"DisconnectParticipant",
         StrMembersOp(&Emulator::DisconnectParticipant, {"stageArn", "participantId", "reason"})},
        {"ListParticipants", ListParticipants},
        {"ListStageSessions",
         PagedOp(&Emulator::ListStageSessions, {"stageArn"}, "stageSessions", StageSessionToJson)},
        {"StartParticipantReplication", StartParticipantReplication},
        {"StopParticipantReplication",
         StrMembersOp(&Emulator::StopParticipantReplication,
                      {"sourceStageArn", "destinationStageArn", "participantId"})},
        {"ListParticipantReplicas",
         PagedOp(&Emulator::ListParticipantReplicas, {"sourceStageArn", "participantId"},
                 "replicas", ReplicaToJson)},
    };
    return ops;
}

// The REST-JSON front end's names for SigV4 failures (all 403).
std::string RestJsonAuthError(std::string_view verifier_type) {
    if (verifier_type == "InvalidClientTokenId") return "UnrecognizedClientException";
    if (verifier_type == "IncompleteSignature") return "IncompleteSignatureException";
    return "InvalidSignatureException";  // SignatureDoesNotMatch, RequestExpired
}

std::optional<WireResponse> CheckSignature(const EmulatorServerOptions& options,
                                           const WireRequest& req) {
    if (HeaderOf(req, "authorization").empty()) {
        return ErrorResponse(403, "MissingAuthenticationTokenException",
                             "Missing Authentication Token");
    }
    aws::HttpRequestToSign r{req.method, req.path, req.query, req.headers, req.body};
    auto caller = aws::VerifyRequest(
        r,
        [&](std::string_view key_id) -> std::optional<std::string> {
            if (key_id == options.access_key_id) return options.secret_access_key;
            return std::nullopt;
        },
        std::chrono::system_clock::now());
    if (!caller) {
        const Error error = caller.error();  // result::error() returns a copy: keep it alive
        std::string type = "SignatureDoesNotMatch";
        if (auto it = error.details.find("awsError");
            it != error.details.end() && it->value().is_string()) {
            type = std::string(it->value().as_string());
        }
        return ErrorResponse(403, RestJsonAuthError(type), error.message);
    }
    if (caller->service != "ivs" && caller->service != "ivsrealtime") {
        return ErrorResponse(403, "InvalidSignatureException",
                             "Credential should be scoped to correct service: 'ivs'.");
    }
    if (!options.region.empty() && caller->region != options.region) {
        return ErrorResponse(403, "InvalidSignatureException",
                             "Credential should be scoped to a valid region. ");
    }
    return std::nullopt;
}

}  // namespace

std::string HeaderOf(const WireRequest& req, std::string_view name) {
    for (const auto& [k, v] : req.headers) {
        if (k.size() == name.size() &&
            std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) ==
                       std::tolower(static_cast<unsigned char>(b));
            })) {
            return v;
        }
    }
    return {};
}

WireResponse HandleWire(Emulator& e, const EmulatorServerOptions& options,
                        const WireRequest& req) {
    if (req.path.rfind("/_emulator/", 0) == 0) return HandleControl(e, req);
    if (IsMediaPath(req.path)) return HandleMedia(e, options, req);

    if (auto refused = CheckSignature(options, req)) return *refused;
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
        std::string_view name =
            req.path.empty() ? std::string_view() : std::string_view(req.path).substr(1);
        const Op* op = nullptr;
        for (const OpTable* table : {&Operations(), &SessionOperations(), &PublicKeyOperations()}) {
            if (auto it = table->find(name); it != table->end()) op = &it->second;
        }
        if (req.method != "POST" || !op) {
            return ErrorResponse(404, "UnknownOperationException",
                                 "Unknown operation " + req.method + " " + req.path);
        }
        result = (*op)(e, *body);
    }
    if (!result) return FromError(result.error());
    return JsonResponse(200, *result);
}

}  // namespace ivs::emulator
