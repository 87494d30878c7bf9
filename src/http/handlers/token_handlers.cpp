#include "http/handlers/token_handlers.hpp"

#include <boost/json.hpp>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/time_format.hpp"
#include "http/handlers/bind_service.hpp"
#include "http/reply.hpp"
#include "metrics/registry.hpp"

namespace ivs::http {
namespace json = boost::json;
namespace asio = boost::asio;
using audience::AudienceService;

namespace {

constexpr std::size_t kMaxUserAgent = 512;

bool IsServerId(std::string_view s) { return IsValidUserId(s); }

json::object TokenFields(const audience::IssuedToken& t) {
    return json::object{{"token", t.token},
                        {"participantId", t.participant_id},
                        {"userId", t.user_id},
                        {"stageArn", t.stage_arn},
                        {"capabilities", CapabilityNames(t.capabilities)},
                        {"expiresAt", FormatIso8601Millis(t.expires_at)},
                        {"expiresIn", t.expires_in_seconds}};
}

asio::awaitable<Reply> PublisherToken(std::shared_ptr<AudienceService> svc, RequestContext& ctx) {
    FieldReader fields(ctx.body);
    std::string user_id = fields.Required("userId", IsValidUserId);
    if (auto problem = fields.Problem()) co_return EnvelopeError(*problem);
    auto grant = co_await svc->IssuePublisherToken(std::move(user_id));
    if (!grant) co_return EnvelopeError(grant.error());
    json::object data = TokenFields(grant->token);
    data["whipEndpoint"] = grant->whip_endpoint;
    data["instructions"] = json::object{
        {"obs",
         json::object{{"service", "WHIP"},
                      {"server", grant->whip_endpoint},
                      {"bearerToken", "<use the token above>"},
                      {"settings", json::object{{"resolution", "1280x720"},
                                                {"bitrate", "2500 kbps"},
                                                {"keyframeInterval", "1s"},
                                                {"cpuPreset", "ultrafast"},
                                                {"tune", "zerolatency"}}}}},
        {"web", json::object{{"sdk", "amazon-ivs-web-broadcast"}, {"method", "Stage.join(token)"}}}};
    co_return EnvelopeOk(std::move(data));
}

// ivs_seats_total{outcome}: seats given (a new session, or the viewer's session kept) and seats
// refused because every stage was full.
void CountSeat(const Result<audience::ViewerJoin>& join) {
    static auto& family = metrics::DefaultRegistry().Counters(
        "ivs_seats_total", "Viewer seat requests by outcome (seated, kept, refused_full)",
        {"outcome"});
    static auto& seated = family.WithLabels({"seated"});
    static auto& kept = family.WithLabels({"kept"});
    static auto& refused = family.WithLabels({"refused_full"});
    if (join) {
        (join->is_new_viewer ? seated : kept).Inc();
    } else if (join.error().code == Errc::stage_full) {
        refused.Inc();
    }
}

asio::awaitable<Reply> ViewerToken(std::shared_ptr<AudienceService> svc, RequestContext& ctx) {
    FieldReader fields(ctx.body);
    std::string user_id = fields.Required("userId", IsValidUserId);
    std::string stage_arn = fields.Optional("stageArn", IsStageArn);
    if (auto problem = fields.Problem()) co_return EnvelopeError(*problem);
    auto join = co_await svc->JoinAsViewer(std::move(user_id), std::move(stage_arn), ClientOf(ctx));
    CountSeat(join);
    if (!join) co_return EnvelopeError(join.error());
    json::object data = TokenFields(join->token);
    data["currentViewers"] = join->current_viewers;
    data["isNewViewer"] = join->is_new_viewer;
    data["sessionId"] = join->session.session_id;
    data["joinedAt"] = FormatIso8601Millis(join->session.joined_at);
    data["sessionToken"] = join->session_token;
    data["heartbeatIntervalSeconds"] = svc->options().heartbeat_interval_seconds;
    co_return EnvelopeOk(std::move(data));
}

asio::awaitable<Reply> MediaServerToken(std::shared_ptr<AudienceService> svc,
                                        std::shared_ptr<const std::string> secret,
                                        RequestContext& ctx) {
    // The secret is checked before anything about the body is revealed.
    if (secret->empty()) {
        co_return EnvelopeError(Error(Errc::forbidden,
                                      "Media-server tokens are disabled on this server"));
    }
    if (!ConstantTimeEquals(ctx.Header("x-internal-secret"), *secret)) {
        co_return EnvelopeError(Error(Errc::forbidden, "Invalid or missing internal secret"));
    }
    FieldReader fields(ctx.body);
    std::string server_id = fields.Required("serverId", IsServerId);
    std::string stage_arn = fields.Required("stageArn", IsStageArn);
    if (auto problem = fields.Problem()) co_return EnvelopeError(*problem);
    auto token = co_await svc->IssueMediaServerToken(std::move(server_id), std::move(stage_arn));
    if (!token) co_return EnvelopeError(token.error());
    co_return EnvelopeOk(TokenFields(*token));
}

}  // namespace

std::optional<std::string> FieldReader::Read(const std::string& name, bool required,
                                             bool (*valid)(std::string_view)) {
    std::string value;
    if (body_) {
        const json::value* v = body_->if_contains(name);
        if (!v || v->is_null() || (v->is_string() && v->get_string().empty())) {
            if (required) missing_.push_back(name);
            return std::nullopt;
        }
        if (!v->is_string()) {
            invalid_.push_back(name);
            return std::nullopt;
        }
        value = std::string(v->get_string());
    } else {
        auto it = query_->find(name);
        if (it == query_->end() || it->second.empty()) {
            if (required) missing_.push_back(name);
            return std::nullopt;
        }
        value = it->second;
    }
    if (valid && !valid(value)) {
        invalid_.push_back(name);
        return std::nullopt;
    }
    return value;
}

std::string FieldReader::Required(const std::string& name, bool (*valid)(std::string_view)) {
    return Read(name, true, valid).value_or(std::string());
}

std::string FieldReader::Optional(const std::string& name, bool (*valid)(std::string_view)) {
    return Read(name, false, valid).value_or(std::string());
}

std::optional<Error> FieldReader::Problem() const {
    auto join = [](const std::vector<std::string>& names) {
        std::string out;
        for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
        return out;
    };
    if (!missing_.empty()) {
        return MissingFields(missing_, "Missing required fields: " + join(missing_));
    }
    if (!invalid_.empty()) {
        return InvalidFields(invalid_, "Invalid fields: " + join(invalid_));
    }
    return std::nullopt;
}

audience::ClientInfo ClientOf(const RequestContext& ctx) {
    std::string agent(ctx.Header("user-agent").substr(0, kMaxUserAgent));
    return audience::ClientInfo{std::move(agent), ctx.client_ip};
}

json::array CapabilityNames(const std::vector<ports::Capability>& caps) {
    json::array out;
    for (auto c : caps) out.emplace_back(c == ports::Capability::publish ? "PUBLISH" : "SUBSCRIBE");
    return out;
}

void RegisterTokenRoutes(Router& router, std::shared_ptr<AudienceService> audience,
                         std::string internal_secret) {
    router.Add(Verb::post, "/api/token/publisher", BindService(audience, PublisherToken),
               {Access::admin, false, "Publish token for the master stage (broadcaster)"});
    router.Add(Verb::post, "/api/token/viewer", BindService(audience, ViewerToken),
               {Access::app, false, "Seat a viewer and issue a subscribe token and session token"});
    auto secret = std::make_shared<const std::string>(std::move(internal_secret));
    router.Add(
        Verb::post, "/api/token/mediaserver",
        [audience, secret](RequestContext& ctx) { return MediaServerToken(audience, secret, ctx); },
        {Access::app, false, "Publish+subscribe token for a media server (needs x-internal-secret)"});
}

}  // namespace ivs::http
