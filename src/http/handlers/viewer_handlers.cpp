#include "http/handlers/viewer_handlers.hpp"

#include <boost/json.hpp>

#include "core/ids.hpp"
#include "core/json_text.hpp"
#include "core/time_format.hpp"
#include "http/handlers/bind_service.hpp"
#include "http/handlers/token_handlers.hpp"
#include "http/reply.hpp"

namespace ivs::http {
namespace json = boost::json;
namespace asio = boost::asio;
using audience::AudienceService;

namespace {

bool AnySessionId(std::string_view s) { return s.size() <= 128; }

// A session token speaks only for its own user and stage; an API key may name any session.
std::optional<Error> SessionScope(const RequestContext& ctx, const std::string& user_id,
                                  const std::string& stage_arn, std::string& session_id) {
    if (ctx.principal.kind != Principal::Kind::session || !ctx.principal.session) {
        return std::nullopt;
    }
    const auto& claims = *ctx.principal.session;
    if (claims.user_id != user_id || claims.stage_arn != stage_arn) {
        return Error(Errc::forbidden, "This session token belongs to another viewer or stage");
    }
    session_id = claims.session_id;
    return std::nullopt;
}

asio::awaitable<Reply> RejoinHandler(const std::shared_ptr<AudienceService>& svc, RequestContext& ctx) {
    FieldReader fields(ctx.body);
    std::string user_id = fields.Required("userId", IsValidUserId);
    std::string stage_arn = fields.Required("stageArn", IsStageArn);
    std::string participant_id = fields.Required("participantId", IsParticipantId);
    if (auto problem = fields.Problem()) co_return EnvelopeError(*problem);
    auto r = co_await svc->RejoinStage(user_id, stage_arn, participant_id, ClientOf(ctx));
    if (!r) co_return EnvelopeError(r.error());
    json::object data{{"userId", user_id},
                      {"stageArn", stage_arn},
                      {"participantId", r->session.participant_id},
                      {"currentViewers", r->current_viewers},
                      {"isNewViewer", r->is_new_viewer},
                      {"sessionId", r->session.session_id},
                      {"joinedAt", FormatIso8601Millis(r->session.joined_at)},
                      {"sessionToken", r->session_token},
                      {"heartbeatIntervalSeconds", svc->options().heartbeat_interval_seconds}};
    co_return EnvelopeOk(std::move(data), HttpStatus::ok, "Rejoined the stage");
}

// The body of a heartbeat or leave (userId, stageArn, optional sessionId), checked against the
// caller's session token when one was used.
struct SessionCall {
    std::string user_id;
    std::string stage_arn;
    std::string session_id;
};

Result<SessionCall> ReadSessionCall(RequestContext& ctx) {
    FieldReader fields(ctx.body);
    SessionCall call;
    call.user_id = fields.Required("userId", IsValidUserId);
    call.stage_arn = fields.Required("stageArn", IsStageArn);
    call.session_id = fields.Optional("sessionId", AnySessionId);
    if (auto problem = fields.Problem()) return *problem;
    if (auto denied = SessionScope(ctx, call.user_id, call.stage_arn, call.session_id)) {
        return *denied;
    }
    return call;
}

asio::awaitable<Reply> HeartbeatHandler(const std::shared_ptr<AudienceService>& svc, RequestContext& ctx) {
    auto call = ReadSessionCall(ctx);
    if (!call) co_return EnvelopeError(call.error());
    auto hb = co_await svc->Heartbeat(call->user_id, call->stage_arn, call->session_id);
    if (!hb) co_return EnvelopeError(hb.error());
    // The hottest answer, written as text: {"userId","stageArn","heartbeatUpdated",
    // "lastHeartbeat"}, the bytes the object would serialize to.
    std::string data;
    data.reserve(96 + call->user_id.size() + call->stage_arn.size());
    data.append(R"({"userId":)");
    AppendJsonString(data, call->user_id);
    data.append(R"(,"stageArn":)");
    AppendJsonString(data, call->stage_arn);
    data.append(R"(,"heartbeatUpdated":true,"lastHeartbeat":")");
    AppendIso8601Millis(data, *hb);
    data.append(R"("})");
    co_return EnvelopeOkText(data, HttpStatus::ok, "Heartbeat updated");
}

asio::awaitable<Reply> LeaveHandler(const std::shared_ptr<AudienceService>& svc, RequestContext& ctx) {
    auto call = ReadSessionCall(ctx);
    if (!call) co_return EnvelopeError(call.error());
    auto left = co_await svc->Leave(call->user_id, call->stage_arn, call->session_id);
    if (!left) co_return EnvelopeError(left.error());
    json::object data{
        {"userId", call->user_id}, {"stageArn", call->stage_arn}, {"viewerLeft", true}};
    co_return EnvelopeOk(std::move(data), HttpStatus::ok, "Viewer left");
}

asio::awaitable<Reply> ListHandler(const std::shared_ptr<AudienceService>& svc, RequestContext& ctx) {
    std::string stage_arn(ctx.Param("stageArn"));
    if (!IsStageArn(stage_arn)) {
        co_return EnvelopeError(InvalidFields({"stageArn"}, "Invalid fields: stageArn"));
    }
    auto list = co_await svc->ListViewers(stage_arn);
    if (!list) co_return EnvelopeError(list.error());
    json::array users;
    for (const auto& v : list->viewers) users.emplace_back(v.user_id);
    const auto n = static_cast<std::int64_t>(users.size());
    json::object data{{"stageArn", stage_arn},
                      {"totalViewers", n},
                      {"activeViewers", n},
                      {"viewers", std::move(users)}};
    co_return EnvelopeOk(std::move(data));
}

asio::awaitable<Reply> DurationHandler(const std::shared_ptr<AudienceService>& svc, RequestContext& ctx) {
    FieldReader fields(ctx.query);
    std::string user_id = fields.Required("userId", IsValidUserId);
    std::string stage_arn = fields.Required("stageArn", IsStageArn);
    if (auto problem = fields.Problem()) co_return EnvelopeError(*problem);
    auto seconds = co_await svc->WatchDurationSeconds(user_id, stage_arn);
    if (!seconds) co_return EnvelopeError(seconds.error());
    json::object data{
        {"userId", user_id},
        {"stageArn", stage_arn},
        {"watchDurationSeconds", *seconds},
        {"watchDurationFormatted",
         std::to_string(*seconds / 60) + "m " + std::to_string(*seconds % 60) + "s"}};
    co_return EnvelopeOk(std::move(data));
}

}  // namespace

void RegisterViewerRoutes(Router& router, std::shared_ptr<AudienceService> audience) {
    auto add = [&](Verb verb, std::string pattern, auto handler, RouteOptions options) {
        router.Add(verb, std::move(pattern), BindService(audience, handler), std::move(options));
    };
    add(Verb::post, "/api/viewer/rejoin", RejoinHandler,
        {Access::app, false, "Rejoin a stage with an existing participant"});
    add(Verb::post, "/api/viewer/heartbeat", HeartbeatHandler,
        {Access::app, true, "Viewer heartbeat (API key or the viewer's session token)"});
    add(Verb::post, "/api/viewer/leave", LeaveHandler,
        {Access::app, true, "Viewer leaves (API key or the viewer's session token)"});
    add(Verb::get, "/api/viewer/list/:stageArn", ListHandler,
        {Access::read, false, "Live viewers of a managed stage"});
    add(Verb::get, "/api/viewer/duration", DurationHandler,
        {Access::read, false, "Watch time of the viewer's current session"});
}

}  // namespace ivs::http
