#include "domain/stages/stage_registry.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <limits>
#include <set>

#include "core/time_format.hpp"
#include "domain/stages/creation_claim.hpp"
#include "domain/audience/session_events.hpp"

namespace ivs::stages {
namespace {

constexpr const char* kManagedBy = "ManagedBy";
constexpr const char* kDeployment = "Deployment";
constexpr const char* kCreationClaim = "CreationClaim";

std::string StateName(ports::StageState s) {
    return s == ports::StageState::draining ? "draining" : "active";
}

}  // namespace

StageRegistry::StageRegistry(RegistryDeps deps, RegistryOptions options)
    : deps_(std::move(deps)), options_(std::move(options)) {}

SystemTime StageRegistry::Cutoff() const {
    return deps_.clock->Now() - options_.heartbeat_timeout;
}

ports::Tags StageRegistry::ManagedTags() const {
    return {{kManagedBy, kManagedByValue}, {kDeployment, options_.deployment_id}};
}

bool StageRegistry::IsOurs(const ports::Tags& tags) const {
    auto m = tags.find(kManagedBy);
    auto d = tags.find(kDeployment);
    return m != tags.end() && m->second == kManagedByValue && d != tags.end() &&
           d->second == options_.deployment_id;
}

std::string StageRegistry::NewStageName() {
    std::lock_guard lock(name_mu_);
    std::int64_t ms = ToUnixMillis(deps_.clock->Now());
    std::string name = options_.name_prefix + "-" + std::to_string(ms);
    if (ms == last_name_ms_) {
        name += "-" + std::to_string(++name_seq_);
    } else {
        last_name_ms_ = ms;
        name_seq_ = 0;
    }
    return name;
}

void StageRegistry::Emit(std::string type, boost::json::object data) {
    if (deps_.events) deps_.events->Publish(ports::LiveEvent{std::move(type), std::move(data)});
}

boost::asio::awaitable<void> StageRegistry::Archive(const ports::StageRecord& r) {
    if (!deps_.archive) co_return;
    ports::ArchivedStage archived{r.arn,         r.name,          r.is_master,
                                  r.auto_scaled, StateName(r.state), r.created_at,
                                  r.draining_since, std::nullopt};
    auto saved = co_await deps_.archive->SaveStage(std::move(archived));
    if (!saved) spdlog::warn("stage archive: saving {} failed: {}", r.arn, saved.error().message);
}

boost::asio::awaitable<Status> StageRegistry::Start() {
    auto master = co_await ResolveMaster(true);
    if (!master) co_return master;
    auto reconciled = co_await Reconcile();
    if (!reconciled) co_return reconciled;
    ready_ = true;
    co_return Ok();
}

boost::asio::awaitable<Status> StageRegistry::ResolveMaster(bool archive) {
    std::string arn = options_.master_stage_arn;
    std::optional<ports::Stage> stage;
    if (arn.empty()) {
        if (!options_.create_master) {
            co_return Error(Errc::invalid_argument, "MASTER_STAGE_ARN is not set");
        }
        // Reuse our master from an earlier run when IVS still has it.
        const std::string name = options_.name_prefix + "-master";
        std::string token;
        do {
            auto page = co_await deps_.ivs->ListStages(token, 100);
            if (!page) co_return page.error();
            for (const auto& s : page->items) {
                if (s.name == name && IsOurs(s.tags)) arn = s.arn;
            }
            token = page->next_token;
        } while (!token.empty() && arn.empty());
        if (arn.empty()) {
            ports::Tags tags{{"Environment", options_.environment}};
            for (auto& [k, v] : ManagedTags()) tags[k] = v;
            ports::CreateStageRequest request{name, tags};
            auto created = co_await deps_.ivs->CreateStage(std::move(request));
            if (!created) co_return created.error();
            arn = created->arn;
            stage = *created;
            spdlog::info("created master stage {} ({})", name, arn);
        }
    }
    if (!stage) {
        auto got = co_await deps_.ivs->GetStage(arn);
        if (got) {
            stage = *got;
        } else if (got.error().code == Errc::not_found) {
            co_return Error(Errc::not_found, "master stage " + arn + " does not exist in IVS");
        } else {
            spdlog::warn("master stage {} not verified: {}", arn, got.error().message);
        }
    }
    if (stage) deps_.directory->Remember(*stage);
    deps_.directory->RememberMaster(arn);

    auto existing = co_await deps_.hot->GetStage(arn, Cutoff());
    ports::StageRecord record;
    if (existing) {
        record = *existing;
    } else {
        record.arn = arn;
        record.created_at = deps_.clock->Now();
    }
    record.name = stage ? stage->name : record.name;
    record.is_master = true;
    record.auto_scaled = false;
    record.state = ports::StageState::active;
    record.draining_since.reset();
    auto up = co_await deps_.hot->UpsertStage(record);
    if (!up) co_return up;
    if (archive) co_await Archive(record);
    co_return Ok();
}

boost::asio::awaitable<Status> StageRegistry::Reconcile() {
    const std::string master = MasterArn();
    std::map<std::string, ports::StageSummary> tagged;
    std::string token;
    do {
        auto page = co_await deps_.ivs->ListStages(token, 100);
        if (!page) co_return page.error();
        for (auto& s : page->items) {
            if (IsOurs(s.tags)) tagged.emplace(s.arn, std::move(s));
        }
        token = page->next_token;
    } while (!token.empty());

    std::map<std::string, ports::ArchivedStage> archived;
    if (deps_.archive) {
        auto loaded = co_await deps_.archive->LoadStages();
        if (loaded) {
            for (auto& a : *loaded) archived.emplace(a.arn, std::move(a));
        } else {
            spdlog::warn("stage archive unavailable at start: {}", loaded.error().message);
        }
    }

    auto hot_stages = co_await deps_.hot->ListStages(Cutoff());
    if (!hot_stages) co_return hot_stages.error();
    std::map<std::string, ports::StageRecord> known;
    for (auto& s : *hot_stages) known.emplace(s.arn, std::move(s));

    // Archived stages IVS no longer lists as ours: gone (or untagged); drop the gone ones.
    for (const auto& [arn, a] : archived) {
        if (tagged.count(arn) || arn == master) continue;
        auto got = co_await deps_.ivs->GetStage(arn);
        if (!got && got.error().code == Errc::not_found) {
            (void)co_await deps_.archive->MarkStageDeleted(arn, deps_.clock->Now());
            continue;
        }
        if (got) tagged.emplace(arn, ports::StageSummary{got->arn, got->name, {}, got->tags});
    }

    for (const auto& [arn, s] : tagged) {
        if (arn == master) continue;
        ports::StageRecord record;
        if (auto it = known.find(arn); it != known.end()) {
            record = it->second;
        } else {
            record.arn = arn;
            record.name = s.name;
            record.auto_scaled = true;
            record.created_at = deps_.clock->Now();
            if (auto a = archived.find(arn); a != archived.end()) {
                record.auto_scaled = a->second.auto_scaled;
                record.created_at = a->second.created_at;
                if (a->second.state == "draining") {
                    record.state = ports::StageState::draining;
                    record.draining_since = a->second.draining_since.value_or(deps_.clock->Now());
                }
            }
        }
        record.is_master = false;
        auto up = co_await deps_.hot->UpsertStage(record);
        if (!up) co_return up;
        co_await Archive(record);
    }

    // Registered stages that IVS does not know any more.
    for (const auto& [arn, r] : known) {
        if (arn == master || tagged.count(arn)) continue;
        auto got = co_await deps_.ivs->GetStage(arn);
        if (got && IsOurs(got->tags)) continue;
        if (!got && got.error().code != Errc::not_found) continue;
        spdlog::info("unregistering stage {}: no longer in IVS", arn);
        auto ended = co_await RemoveAndEnd(arn);
        if (!ended) co_return ended.error();
        (void)co_await deps_.fanout->StopFor(arn);
        if (deps_.archive) (void)co_await deps_.archive->MarkStageDeleted(arn, deps_.clock->Now());
        Emit("stage_deleted", {{"stageArn", arn}, {"endedSessions", *ended}});
    }
    spdlog::info("stage registry: master {}, {} managed stage(s)", master, tagged.size());
    co_return Ok();
}

boost::asio::awaitable<Status> StageRegistry::DropVanished(std::string arn) {
    if (arn == MasterArn()) co_return Error(Errc::forbidden, "The master stage cannot be dropped");
    auto got = co_await deps_.ivs->GetStage(arn);
    if (got) co_return Ok();  // still there: the failure was something else
    if (got.error().code != Errc::not_found) co_return got.error();
    spdlog::warn("stage {} no longer exists in IVS: unregistering it", arn);
    deps_.directory->Forget(arn);
    auto ended = co_await RemoveAndEnd(arn);
    if (!ended) co_return ended.error();
    (void)co_await deps_.fanout->StopFor(arn);
    if (deps_.archive) (void)co_await deps_.archive->MarkStageDeleted(arn, deps_.clock->Now());
    Emit("stage_deleted", {{"stageArn", arn}, {"endedSessions", *ended}});
    Emit("stats_changed", {});
    co_return Ok();
}

boost::asio::awaitable<Result<std::size_t>> StageRegistry::RemoveAndEnd(std::string arn) {
    const auto now = deps_.clock->Now();
    const auto cutoff = Cutoff();
    auto ended = co_await deps_.hot->RemoveStage(arn, now, cutoff);
    if (!ended) co_return ended.error();
    // A store that records session events ended them in the removal itself.
    if (deps_.sessions && !deps_.hot->RecordsSessionEvents()) {
        for (const auto& s : *ended) {
            const bool expired = s.last_heartbeat < cutoff;
            deps_.sessions->Publish(audience::SessionEnded(
                s, expired ? "timeout" : "stage_deleted", expired ? s.last_heartbeat : now));
        }
    }
    co_return ended->size();
}

boost::asio::awaitable<Result<ports::Stage>> StageRegistry::CreateStage(std::string name,
                                                                        ports::Tags extra_tags,
                                                                        bool auto_scaled) {
    const auto now = deps_.clock->Now();
    // Any number of stages wanted: only the limit bounds a creation asked for through the API.
    ports::ClaimRequest request{1, std::numeric_limits<int>::max() / 2, options_.max_stages, now,
                                now + options_.claim_ttl};
    auto claims = co_await deps_.demand->Claim(request);
    if (!claims) co_return claims.error();
    if (claims->empty()) {
        co_return Error(Errc::stage_limit_reached,
                        "Stage limit reached (" + std::to_string(options_.max_stages) + ")",
                        boost::json::object{{"maxStages", options_.max_stages}});
    }
    co_return co_await CreateWithClaim(std::move(name), std::move(extra_tags), auto_scaled,
                                       claims->front());
}

boost::asio::awaitable<Result<ports::Stage>> StageRegistry::CreateClaimed(std::string claim_id) {
    co_return co_await CreateWithClaim(NewStageName(), {}, true, std::move(claim_id));
}

boost::asio::awaitable<Result<ports::Stage>> StageRegistry::CreateWithClaim(std::string name,
                                                                            ports::Tags extra_tags,
                                                                            bool auto_scaled,
                                                                            std::string claim_id) {
    ports::Tags tags{{"Environment", options_.environment}};
    for (auto& [k, v] : extra_tags) tags[k] = v;
    tags[kCreationClaim] = claim_id;
    for (auto& [k, v] : ManagedTags()) tags[k] = v;
    ports::CreateStageRequest request{name, std::move(tags)};
    // Lives as long as this creation, however it ends (returns, throws, or is destroyed).
    auto creating = std::make_shared<const bool>(true);
    boost::asio::co_spawn(co_await boost::asio::this_coro::executor,
                          KeepClaimWhile(deps_.demand, deps_.clock, options_.claim_ttl, claim_id,
                                         creating),
                          boost::asio::detached);
    auto created = co_await deps_.ivs->CreateStage(std::move(request));
    creating.reset();
    if (!created) {
        (void)co_await deps_.demand->Release(claim_id);
        co_return created.error();
    }
    deps_.directory->Remember(*created);

    ports::StageRecord record;
    record.arn = created->arn;
    record.name = created->name;
    record.auto_scaled = auto_scaled;
    record.created_at = deps_.clock->Now();
    auto up = co_await deps_.hot->UpsertStage(record);
    if (!up) {
        // Not registered means not ours to keep: do not leak it in IVS.
        (void)co_await deps_.ivs->DeleteStage(created->arn);
        (void)co_await deps_.demand->Release(claim_id);
        co_return up.error();
    }
    // Registered first, released second: the stage is never missing from both counts.
    (void)co_await deps_.demand->Release(claim_id);
    co_await Archive(record);
    spdlog::info("stage created: {} ({})", record.name, record.arn);
    EmitCreated(record, created->endpoints);
    co_return *created;
}

boost::asio::awaitable<Result<int>> StageRegistry::AdoptOrphans() {
    const std::string master = MasterArn();
    auto known = co_await deps_.hot->ListStages(Cutoff());
    if (!known) co_return known.error();
    std::set<std::string> registered;
    for (const auto& s : *known) registered.insert(s.arn);
    int adopted = 0;
    std::string token;
    do {
        auto page = co_await deps_.ivs->ListStages(token, 100);
        if (!page) co_return page.error();
        for (const auto& s : page->items) {
            if (!IsOurs(s.tags) || s.arn == master || registered.count(s.arn)) continue;
            if (auto c = s.tags.find(kCreationClaim); c != s.tags.end()) {
                auto live = co_await deps_.demand->ClaimLive(c->second, deps_.clock->Now());
                if (!live || *live) continue;  // still being registered by its creator
            }
            ports::StageRecord record;
            record.arn = s.arn;
            record.name = s.name;
            record.auto_scaled = true;
            record.created_at = deps_.clock->Now();
            auto up = co_await deps_.hot->UpsertStage(record);
            if (!up) co_return up.error();
            co_await Archive(record);
            ++adopted;
            spdlog::info("stage adopted: {} ({}): created by an instance that stopped", s.name,
                         s.arn);
            ports::StageEndpoints endpoints;
            if (auto got = co_await deps_.ivs->GetStage(s.arn)) {
                deps_.directory->Remember(*got);
                endpoints = got->endpoints;
            }
            EmitCreated(record, endpoints);
        }
        token = page->next_token;
    } while (!token.empty());
    co_return adopted;
}

void StageRegistry::EmitCreated(const ports::StageRecord& r, const ports::StageEndpoints& ep) {
    // The endpoints let every instance sign tokens for it without asking IVS (GetStage).
    Emit("stage_created", {{"stageArn", r.arn},
                           {"name", r.name},
                           {"autoScaled", r.auto_scaled},
                           {"createdAt", FormatIso8601Millis(r.created_at)},
                           {"endpoints", {{"events", ep.events},
                                          {"whip", ep.whip},
                                          {"rtmp", ep.rtmp},
                                          {"rtmps", ep.rtmps}}}});
}

boost::asio::awaitable<Result<ports::StageRecord>> StageRegistry::Find(std::string arn) {
    co_return co_await deps_.hot->GetStage(std::move(arn), Cutoff());
}

boost::asio::awaitable<Status> StageRegistry::Drain(std::string arn) {
    if (arn == MasterArn()) co_return Error(Errc::forbidden, "The master stage cannot be drained");
    auto record = co_await Find(arn);
    if (!record) co_return record.error();
    const auto now = deps_.clock->Now();
    auto set = co_await deps_.hot->SetStageState(arn, ports::StageState::draining, now);
    if (!set) co_return set;
    record->state = ports::StageState::draining;
    record->draining_since = now;
    co_await Archive(*record);
    spdlog::info("stage draining: {} ({} viewers)", arn, record->viewers);
    Emit("stage_draining", {{"stageArn", arn}, {"viewerCount", record->viewers}});
    co_return Ok();
}

boost::asio::awaitable<Status> StageRegistry::Undrain(std::string arn) {
    auto record = co_await Find(arn);
    if (!record) co_return record.error();
    auto set = co_await deps_.hot->SetStageState(arn, ports::StageState::active, std::nullopt);
    if (!set) co_return set;
    record->state = ports::StageState::active;
    record->draining_since.reset();
    co_await Archive(*record);
    spdlog::info("stage back in service: {}", arn);
    co_return Ok();
}

boost::asio::awaitable<Status> StageRegistry::Rename(std::string arn, std::string name) {
    auto record = co_await Find(arn);
    if (!record) co_return record.error();
    record->name = std::move(name);
    auto up = co_await deps_.hot->UpsertStage(*record);
    if (!up) co_return up;
    co_await Archive(*record);
    co_return Ok();
}

boost::asio::awaitable<Status> StageRegistry::Delete(std::string arn) {
    if (arn == MasterArn()) co_return Error(Errc::forbidden, "The master stage cannot be deleted");
    auto record = co_await Find(arn);
    if (!record) co_return record.error();
    if (record->is_master) co_return Error(Errc::forbidden, "The master stage cannot be deleted");

    auto stopped = co_await deps_.fanout->StopFor(arn);
    if (!stopped) spdlog::warn("replication to {} not stopped: {}", arn, stopped.error().message);
    auto deleted = co_await deps_.ivs->DeleteStage(arn);
    if (!deleted && deleted.error().code != Errc::not_found) co_return deleted;
    deps_.directory->Forget(arn);

    const auto now = deps_.clock->Now();
    auto ended = co_await RemoveAndEnd(arn);
    if (!ended) co_return ended.error();
    if (deps_.archive) {
        auto marked = co_await deps_.archive->MarkStageDeleted(arn, now);
        if (!marked) spdlog::warn("stage archive: marking {} deleted failed", arn);
    }
    spdlog::info("stage deleted: {} ({} session(s) ended)", arn, *ended);
    Emit("stage_deleted", {{"stageArn", arn}, {"endedSessions", *ended}});
    Emit("stats_changed", {});
    co_return Ok();
}

}  // namespace ivs::stages
