#include "http/handlers/stats_handlers.hpp"

#include <boost/json.hpp>

#include "core/ids.hpp"
#include "core/time_format.hpp"
#include "http/handlers/stage_json.hpp"

namespace ivs::http {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using Api = std::shared_ptr<const StagesApi>;

json::object StageInfo(const ports::StageRecord& r) {
    return json::object{{"name", r.name},
                        {"arn", r.arn},
                        {"autoScaled", r.auto_scaled},
                        {"isMasterStage", r.is_master},
                        {"state", r.state == ports::StageState::draining ? "draining" : "active"},
                        {"createdAt", FormatIso8601Millis(r.created_at)},
                        {"managedBy", stages::StageRegistry::kManagedByValue}};
}

json::object StatsStage(const ports::StageRecord& r) {
    json::object o{{"stageArn", r.arn},
                   {"stageName", r.name.empty() ? "unnamed" : r.name},
                   {"viewerCount", r.viewers},
                   {"autoScaled", r.auto_scaled},
                   {"isMasterStage", r.is_master},
                   {"state", r.state == ports::StageState::draining ? "draining" : "active"},
                   {"createdAt", FormatIso8601Millis(r.created_at)}};
    if (r.draining_since) o["drainingSince"] = FormatIso8601Millis(*r.draining_since);
    return o;
}

int Total(const ports::HotSnapshot& s) {
    int total = 0;
    for (const auto& st : s.stages) total += st.viewers;
    return total;
}

bool Live(const ports::HotSnapshot& s) { return s.publisher && s.publisher->live; }

awaitable<Reply> Overview(Api api, RequestContext&) {
    auto snap = co_await api->stats->HotSnapshot();
    if (!snap) co_return EnvelopeError(snap.error());
    json::array stages;
    int draining = 0;
    for (const auto& s : snap->stages) {
        stages.push_back(StatsStage(s));
        if (s.state == ports::StageState::draining) ++draining;
    }
    ports::DemandView demand;
    if (api->demand) {
        auto view = co_await api->demand->View(std::chrono::system_clock::now());
        if (view) demand = *view;
    }
    // effectiveMaxStages: the stage limit seating really uses (replication mode: the master and
    // the 5 stages IVS can replicate it to, when MAX_STAGES is higher).
    json::object data{{"totalViewers", Total(*snap)},
                      {"activeStages", snap->stages.size() - static_cast<std::size_t>(draining)},
                      {"drainingStages", draining},
                      {"pendingStages", demand.creating},
                      {"waitingJoins", demand.waiting},
                      {"maxStages", api->max_stages},
                      {"effectiveMaxStages", api->effective_max_stages},
                      {"isPublisherLive", Live(*snap)},
                      {"stages", std::move(stages)}};
    co_return EnvelopeOk(std::move(data));
}

awaitable<Reply> Viewers(Api api, RequestContext&) {
    auto snap = co_await api->stats->HotSnapshot();
    if (!snap) co_return EnvelopeError(snap.error());
    co_return EnvelopeOk(
        json::object{{"totalViewers", Total(*snap)}, {"calculatedFrom", "real-time sum"}});
}

// One stage by full ARN: unmanaged stages answer with 0 viewers and no info (never counted).
json::object OneStage(const ports::HotSnapshot& snap, const std::string& arn) {
    for (const auto& s : snap.stages) {
        if (s.arn == arn) {
            return json::object{{"stageArn", arn},
                                {"viewerCount", s.viewers},
                                {"stageInfo", StageInfo(s)}};
        }
    }
    return json::object{{"stageArn", arn}, {"viewerCount", 0}, {"stageInfo", nullptr}};
}

awaitable<Reply> Stages(Api api, RequestContext& ctx) {
    auto arn = ctx.Query("arn");
    if (arn && !IsStageArn(*arn)) {
        co_return EnvelopeError(InvalidFields({"arn"}, "arn must be an IVS stage ARN"));
    }
    auto snap = co_await api->stats->HotSnapshot();
    if (!snap) co_return EnvelopeError(snap.error());
    if (arn) co_return EnvelopeOk(OneStage(*snap, std::string(*arn)));
    json::array list;
    const auto tags = stage_json::Tags(api->registry->ManagedTags());
    for (const auto& s : snap->stages) {
        auto o = StatsStage(s);
        o["tags"] = tags;
        list.push_back(std::move(o));
    }
    co_return EnvelopeOk(json::object{{"totalStages", snap->stages.size()}, {"stages", list}});
}

awaitable<Reply> StageById(Api api, RequestContext& ctx) {
    std::string id(ctx.Param("stageId"));
    if (id.find(':') != std::string::npos) {
        co_return EnvelopeError(Error(
            Errc::invalid_argument,
            "This endpoint takes a short stage id only. For a full ARN use GET "
            "/api/stats/stages?arn=...",
            json::object{{"hint", "GET /api/stats/stages?arn=<arn>"},
                         {"invalidFields", json::array{"stageId"}}}));
    }
    if (!IsStageId(id)) {
        co_return EnvelopeError(InvalidFields({"stageId"}, "stageId must be 1-64 of [A-Za-z0-9-]"));
    }
    auto snap = co_await api->stats->HotSnapshot();
    if (!snap) co_return EnvelopeError(snap.error());
    // A managed stage with that id wins; else the ARN in this account and region.
    std::string arn;
    for (const auto& s : snap->stages) {
        if (StageIdOf(s.arn) == id) arn = s.arn;
    }
    if (arn.empty()) {
        std::string account = api->aws_account_id;
        std::string region = api->aws_region;
        const std::string master = api->registry->MasterArn();
        if (account.empty() && IsStageArn(master)) {
            // arn:aws:ivs:<region>:<account>:stage/<id>
            auto p3 = master.find(':', 12);
            auto p4 = master.find(':', p3 + 1);
            region = master.substr(12, p3 - 12);
            account = master.substr(p3 + 1, p4 - p3 - 1);
        }
        arn = "arn:aws:ivs:" + region + ":" + account + ":stage/" + id;
    }
    json::object out{{"stageId", id}};
    for (auto& kv : OneStage(*snap, arn)) out.emplace(kv.key(), kv.value());
    co_return EnvelopeOk(std::move(out));
}

awaitable<Reply> Publisher(Api api, RequestContext&) {
    auto snap = co_await api->stats->HotSnapshot();
    if (!snap) co_return EnvelopeError(snap.error());
    json::object data{{"isPublisherLive", Live(*snap)}};
    if (snap->publisher) {
        data["since"] = FormatIso8601Millis(snap->publisher->since);
        data["updatedAt"] = FormatIso8601Millis(snap->publisher->updated_at);
        data["source"] = snap->publisher->source;
    }
    co_return EnvelopeOk(std::move(data));
}

template <class F>
Handler Bind(Api api, F f) {
    return [api, f](RequestContext& ctx) { return f(api, ctx); };
}

}  // namespace

void RegisterStatsRoutes(Router& router, std::shared_ptr<const StagesApi> api) {
    auto read = [](std::string summary) { return RouteOptions{Access::read, false, summary}; };
    router.Add(Verb::get, "/api/stats", Bind(api, Overview), read("Audience overview"));
    router.Add(Verb::get, "/api/stats/viewers", Bind(api, Viewers), read("Total live viewers"));
    router.Add(Verb::get, "/api/stats/stages", Bind(api, Stages),
               read("Managed stages with counts (?arn= for one)"));
    router.Add(Verb::get, "/api/stats/stages/:stageId", Bind(api, StageById),
               read("One stage by short id"));
    router.Add(Verb::get, "/api/stats/publisher", Bind(api, Publisher), read("Publisher state"));
}

}  // namespace ivs::http
