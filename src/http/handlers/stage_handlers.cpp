#include "http/handlers/stage_handlers.hpp"

#include <boost/json.hpp>

#include "core/ids.hpp"
#include "core/time_format.hpp"
#include "http/handlers/bind_service.hpp"
#include "http/handlers/stage_json.hpp"

namespace ivs::http {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using Api = std::shared_ptr<const StagesApi>;

Error NotReady() { return Error(Errc::unavailable, "The stage registry is starting"); }

bool ValidArn(std::string_view s) { return IsStageArn(s); }
bool ValidParticipant(std::string_view s) { return IsParticipantId(s); }

// The :stageArn path parameter, checked.
Result<std::string> PathArn(RequestContext& ctx) {
    std::string arn(ctx.Param("stageArn"));
    if (!IsStageArn(arn)) {
        return InvalidFields({"stageArn"}, "stageArn must be an IVS stage ARN");
    }
    return arn;
}

// The three fields of the replication start/stop bodies.
struct ReplicationBody {
    std::string source, destination, participant;
};

Result<ReplicationBody> ReadReplicationBody(const json::object& body) {
    std::vector<std::string> missing, invalid;
    ReplicationBody out;
    auto read = [&](std::string_view name, bool (*valid)(std::string_view), std::string& into) {
        auto v = stage_json::OptionalString(body, name, valid, invalid);
        if (v) {
            into = *v;
        } else if (std::find(invalid.begin(), invalid.end(), name) == invalid.end()) {
            missing.emplace_back(name);
        }
    };
    read("sourceStageArn", ValidArn, out.source);
    read("destinationStageArn", ValidArn, out.destination);
    read("participantId", ValidParticipant, out.participant);
    if (!missing.empty()) return MissingFields(missing);
    if (!invalid.empty()) return InvalidFields(invalid);
    return out;
}

awaitable<Reply> List(Api api, RequestContext&) {
    auto snap = co_await api->stats->HotSnapshot();
    if (!snap) co_return EnvelopeError(snap.error());
    json::array list;
    const auto tags = api->registry->ManagedTags();
    for (const auto& s : snap->stages) list.push_back(stage_json::Record(s, tags));
    json::object data{{"stages", std::move(list)}, {"totalStages", snap->stages.size()}};
    co_return EnvelopeOk(std::move(data));
}

awaitable<Reply> MasterInfo(Api api, RequestContext&) {
    const std::string master = api->registry->MasterArn();
    if (master.empty()) co_return EnvelopeError(NotReady());
    auto record = co_await api->registry->Find(master);
    if (!record) co_return EnvelopeError(record.error());
    auto stage = co_await api->ivs->GetStage(master);
    if (!stage) co_return EnvelopeError(stage_json::FromIvs(stage.error(), "GetStage"));
    json::object data{{"stage", stage_json::Stage(*stage)},
                      {"viewerCount", record->viewers},
                      {"isMasterStage", true}};
    co_return EnvelopeOk(std::move(data));
}

awaitable<Reply> Create(Api api, RequestContext& ctx) {
    std::vector<std::string> invalid;
    auto name = stage_json::OptionalString(
        ctx.body, "name", [](std::string_view s) { return IsStageName(s); }, invalid);
    if (!name && invalid.empty()) co_return EnvelopeError(MissingFields({"name"}));
    ports::Tags tags;
    if (auto it = ctx.body.find("tags"); it != ctx.body.end() && !it->value().is_null()) {
        bool ok = it->value().is_object() && it->value().get_object().size() <= 40;
        if (ok) {
            for (const auto& [k, v] : it->value().get_object()) {
                if (!v.is_string() || k.empty() || k.size() > 128 || v.get_string().size() > 256) {
                    ok = false;
                    break;
                }
                tags[std::string(k)] = std::string(v.get_string());
            }
        }
        if (!ok) invalid.emplace_back("tags");
    }
    if (!invalid.empty()) {
        co_return EnvelopeError(InvalidFields(
            invalid, "Invalid field(s): name must be 1-128 of [A-Za-z0-9-_], tags an object of "
                     "strings"));
    }
    if (!api->registry->Ready()) co_return EnvelopeError(NotReady());
    auto created = co_await api->registry->CreateStage(*name, std::move(tags), false);
    if (!created) co_return EnvelopeError(stage_json::FromIvs(created.error(), "CreateStage"));
    co_return EnvelopeOk(json::object{{"stage", stage_json::Stage(*created)}},
                         HttpStatus::created, "Stage created");
}

awaitable<Reply> Get(Api api, RequestContext& ctx) {
    auto arn = PathArn(ctx);
    if (!arn) co_return EnvelopeError(arn.error());
    auto record = co_await api->registry->Find(*arn);
    if (!record) co_return EnvelopeError(stage_json::FromIvs(record.error(), "GetStage"));
    auto stage = co_await api->ivs->GetStage(*arn);
    if (!stage) co_return EnvelopeError(stage_json::FromIvs(stage.error(), "GetStage"));
    json::object data{{"stage", stage_json::Stage(*stage)},
                      {"viewerCount", record->viewers},
                      {"state", record->state == ports::StageState::draining ? "draining" : "active"},
                      {"isMasterStage", record->is_master}};
    co_return EnvelopeOk(std::move(data));
}

awaitable<Reply> Update(Api api, RequestContext& ctx) {
    auto arn = PathArn(ctx);
    if (!arn) co_return EnvelopeError(arn.error());
    std::vector<std::string> invalid;
    auto name = stage_json::OptionalString(
        ctx.body, "name", [](std::string_view s) { return IsStageName(s); }, invalid);
    if (!invalid.empty()) co_return EnvelopeError(InvalidFields(invalid));
    auto record = co_await api->registry->Find(*arn);
    if (!record) co_return EnvelopeError(stage_json::FromIvs(record.error(), "UpdateStage"));
    auto updated = co_await api->ivs->UpdateStage(*arn, name.value_or(""));
    if (!updated) co_return EnvelopeError(stage_json::FromIvs(updated.error(), "UpdateStage"));
    if (name) (void)co_await api->registry->Rename(*arn, *name);
    co_return EnvelopeOk(json::object{{"stage", stage_json::Stage(*updated)}}, HttpStatus::ok,
                         "Stage updated");
}

awaitable<Reply> Delete(Api api, RequestContext& ctx) {
    auto arn = PathArn(ctx);
    if (!arn) co_return EnvelopeError(arn.error());
    if (*arn == api->registry->MasterArn()) {
        co_return EnvelopeError(Error(Errc::forbidden, "The master stage cannot be deleted"));
    }
    auto record = co_await api->registry->Find(*arn);
    if (!record) co_return EnvelopeError(stage_json::FromIvs(record.error(), "DeleteStage"));
    if (record->is_master) {
        co_return EnvelopeError(Error(Errc::forbidden, "The master stage cannot be deleted"));
    }
    if (record->viewers > 0) {
        co_return EnvelopeError(Error(Errc::invalid_argument,
                                      "The stage still has viewers and cannot be deleted",
                                      json::object{{"viewerCount", record->viewers}}));
    }
    auto deleted = co_await api->registry->Delete(*arn);
    if (!deleted) co_return EnvelopeError(stage_json::FromIvs(deleted.error(), "DeleteStage"));
    co_return EnvelopeOk(json::object{{"stageArn", *arn}, {"deleted", true}}, HttpStatus::ok,
                         "Stage deleted");
}

// A replication start/stop body, read and checked: both ends of a manual replication must be
// stages this deployment manages.
awaitable<Result<ReplicationBody>> ReadManagedReplication(Api api, RequestContext& ctx) {
    auto body = ReadReplicationBody(ctx.body);
    if (!body) co_return body.error();
    for (const auto* arn : {&body->source, &body->destination}) {
        auto found = co_await api->registry->Find(*arn);
        if (!found) co_return stage_json::FromIvs(found.error(), "Replication");
    }
    co_return std::move(*body);
}

// The answer of a replication start or stop: the body echoed, dated by `time_field`.
json::object ReplicationAnswer(std::string_view message, const ReplicationBody& body,
                               std::string_view time_field, SystemTime at) {
    return json::object{{"message", message},
                        {"sourceStageArn", body.source},
                        {"destinationStageArn", body.destination},
                        {"participantId", body.participant},
                        {time_field, FormatIso8601Millis(at)}};
}

awaitable<Reply> ReplicationStart(Api api, RequestContext& ctx) {
    auto body = co_await ReadManagedReplication(api, ctx);
    if (!body) co_return EnvelopeError(body.error());
    auto started = co_await api->fanout->Start(body->source, body->destination, body->participant);
    if (!started) {
        const auto& e = started.error();
        if (e.code == Errc::not_found) {
            co_return EnvelopeError(Error(Errc::not_found, "Participant or stage not found"));
        }
        if (e.code == Errc::conflict || e.code == Errc::quota_exceeded) {
            co_return EnvelopeError(Error(Errc::conflict, "Replication cannot start: " + e.message));
        }
        co_return EnvelopeError(stage_json::FromIvs(e, "StartParticipantReplication"));
    }
    co_return EnvelopeOk(ReplicationAnswer("Participant replication started", *body, "startedAt",
                                           started->updated_at));
}

awaitable<Reply> ReplicationStop(Api api, RequestContext& ctx) {
    auto body = co_await ReadManagedReplication(api, ctx);
    if (!body) co_return EnvelopeError(body.error());
    auto stopped = co_await api->fanout->Stop(body->source, body->destination, body->participant);
    if (!stopped) {
        if (stopped.error().code == Errc::not_found) {
            co_return EnvelopeError(Error(Errc::not_found, "Replication not found"));
        }
        co_return EnvelopeError(
            stage_json::FromIvs(stopped.error(), "StopParticipantReplication"));
    }
    co_return EnvelopeOk(ReplicationAnswer("Participant replication stopped", *body, "stoppedAt",
                                           std::chrono::system_clock::now()));
}

awaitable<Reply> ReplicationStatus(Api api, RequestContext& ctx) {
    auto arn = PathArn(ctx);
    if (!arn) co_return EnvelopeError(arn.error());
    auto records = co_await api->stats->HotReplications();
    if (!records) co_return EnvelopeError(records.error());
    for (const auto& r : *records) {
        if (r.destination_stage_arn != *arn) continue;
        json::object info{{"sourceStageArn", r.source_stage_arn},
                          {"destStageArn", r.destination_stage_arn},
                          {"participantId", r.participant_id},
                          {"active", r.active},
                          {"startedAt", FormatIso8601Millis(r.updated_at)}};
        co_return EnvelopeOk(
            json::object{{"stageArn", *arn}, {"hasReplication", true}, {"replicationInfo", info}});
    }
    co_return EnvelopeOk(json::object{{"stageArn", *arn},
                                      {"hasReplication", false},
                                      {"message", "This stage has no participant replication"}});
}

awaitable<Reply> PublisherInfo(Api api, RequestContext&) {
    auto current = co_await api->publisher->Current();
    if (!current) co_return EnvelopeError(current.error());
    if (!*current || !(*current)->live) {
        co_return EnvelopeOk(
            json::object{{"hasPublisher", false}, {"message", "No publisher is live"}});
    }
    const auto& p = **current;
    json::object info{{"participantId", p.participant_id},
                      {"stageArn", p.stage_arn},
                      {"userId", p.user_id},
                      {"joinedAt", FormatIso8601Millis(p.since)},
                      {"updatedAt", FormatIso8601Millis(p.updated_at)},
                      {"source", p.source}};
    co_return EnvelopeOk(json::object{{"hasPublisher", true}, {"publisherInfo", info}});
}

}  // namespace

void RegisterStageRoutes(Router& router, std::shared_ptr<const StagesApi> api) {
    using V = Verb;
    constexpr Access read = Access::read;
    constexpr Access admin = Access::admin;
    auto add = [&](Verb verb, std::string pattern, auto handler, Access access,
                   std::string summary) {
        router.Add(verb, std::move(pattern), BindService(api, handler),
                   RouteOptions{access, false, std::move(summary)});
    };
    add(V::get, "/api/stage/list", List, read, "Managed stages with counts");
    add(V::get, "/api/stage/master/info", MasterInfo, read, "The master stage");
    add(V::post, "/api/stage", Create, admin, "Create a managed stage");
    add(V::get, "/api/stage/:stageArn", Get, read, "One managed stage");
    add(V::put, "/api/stage/:stageArn", Update, admin, "Rename a managed stage");
    add(V::delete_, "/api/stage/:stageArn", Delete, admin, "Delete an empty managed stage");
    add(V::post, "/api/stage/replication/start", ReplicationStart, admin,
        "Start participant replication");
    add(V::delete_, "/api/stage/replication/stop", ReplicationStop, admin,
        "Stop participant replication");
    add(V::get, "/api/stage/replication/status/:stageArn", ReplicationStatus, read,
        "Replication into a stage");
    add(V::get, "/api/stage/replication/publisher-info", PublisherInfo, read, "The live publisher");
}

}  // namespace ivs::http
