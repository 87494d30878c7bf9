#pragma once

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "domain/stages/fanout.hpp"
#include "domain/stages/stage_directory.hpp"
#include "ports/event_bus.hpp"
#include "ports/hot_store.hpp"
#include "ports/ivs_client.hpp"
#include "ports/session_events.hpp"
#include "ports/stage_archive.hpp"
#include "ports/stage_demand.hpp"

namespace ivs::stages {

struct RegistryOptions {
    std::string deployment_id = "default";
    std::string name_prefix = "ivs-stage";
    std::string environment = "production";  // tag Environment (NODE_ENV)
    std::string master_stage_arn;             // MASTER_STAGE_ARN; empty: see create_master
    bool create_master = false;               // embedded mode: create the master at start
    int max_stages = 20;  // the effective limit (master included)
    std::chrono::seconds heartbeat_timeout{60};
    std::chrono::seconds claim_ttl{3};  // a creation claim lapses this long after its last renewal
};

struct RegistryDeps {
    std::shared_ptr<ports::IvsClient> ivs;
    std::shared_ptr<ports::HotStore> hot;
    std::shared_ptr<ports::StageArchive> archive;      // may be null
    std::shared_ptr<ports::EventBus> events;           // may be null
    std::shared_ptr<ports::SessionEventSink> sessions;  // may be null
    std::shared_ptr<StageDirectory> directory;
    std::shared_ptr<FanOut> fanout;
    std::shared_ptr<ports::StageDemand> demand;  // creation claims; required
    Clock* clock = nullptr;
};

// The managed-stage registry: the master plus the stages this deployment creates, tagged
// ManagedBy=ivs-server and Deployment=<DEPLOYMENT_ID>. Stages are kept in the hot store (with
// live counts) and, when a StageArchive is wired, durably. Unrelated stages in the account are
// never registered. Thread-safe.
class StageRegistry {
public:
    static constexpr const char* kManagedByValue = "ivs-server";

    StageRegistry(RegistryDeps deps, RegistryOptions options);

    // Resolves the master (MASTER_STAGE_ARN, or creates/reuses `<prefix>-master` in embedded
    // mode) and reconciles the registry with IVS (ListStages, all pages, filtered by tags) and
    // the archive. Errors: unavailable when IVS or the hot store cannot be reached.
    boost::asio::awaitable<Status> Start();
    bool Ready() const { return ready_.load(); }
    // Only the master part of Start, without touching the archive: lets embedded mode (whose IVS
    // and hot store answer without suspending) have the master registered before serving.
    boost::asio::awaitable<Status> PrepareMaster() { co_return co_await ResolveMaster(false); }
    std::string MasterArn() const { return deps_.directory->MasterArn(); }

    // now - HEARTBEAT_TIMEOUT_SECONDS: sessions older than this are not counted.
    SystemTime Cutoff() const;
    ports::Tags ManagedTags() const;
    bool IsOurs(const ports::Tags& tags) const;
    std::string NewStageName();

    // Creates and registers a managed stage (tags: Environment, `extra_tags`, then ManagedBy and
    // Deployment, which cannot be overridden), under a creation claim of its own. Errors:
    // stage_limit_reached at the stage limit (registered + being created by any instance), IVS
    // errors (invalid_argument, quota_exceeded, unavailable).
    boost::asio::awaitable<Result<ports::Stage>> CreateStage(std::string name,
                                                             ports::Tags extra_tags,
                                                             bool auto_scaled);
    // Creates and registers an auto-scaled stage for a claim already granted (tagged with it, so
    // a creator that dies between CreateStage and registering leaves a stage AdoptOrphans can
    // tell apart from one still being registered). Renews the claim while IVS works and releases
    // it once the stage is registered, before announcing it (stage_created).
    boost::asio::awaitable<Result<ports::Stage>> CreateClaimed(std::string claim_id);
    // Registers stages IVS lists with our tags that the registry lacks and whose creation claim
    // is no longer held (their creator died before registering them). Returns how many.
    boost::asio::awaitable<Result<int>> AdoptOrphans();
    int MaxStages() const { return options_.max_stages; }
    // Registered stage or not_found. Errors: unavailable.
    boost::asio::awaitable<Result<ports::StageRecord>> Find(std::string arn);
    // draining: no new seats; emits stage_draining. forbidden for the master.
    boost::asio::awaitable<Status> Drain(std::string arn);
    boost::asio::awaitable<Status> Undrain(std::string arn);
    // Records a new name (after UpdateStage). not_found when unmanaged.
    boost::asio::awaitable<Status> Rename(std::string arn, std::string name);
    // Stops its replication, deletes it in IVS (already gone is fine), unregisters it and ends
    // its sessions (reason stage_deleted). forbidden for the master, not_found when unmanaged.
    boost::asio::awaitable<Status> Delete(std::string arn);
    // A registered stage that IVS says does not exist (a token for it failed with not_found):
    // confirmed with GetStage, then unregistered with its sessions ended (stage_deleted), its
    // replication stopped and the archive told. not_found in IVS is the only proof; any other
    // answer leaves it registered. forbidden for the master.
    boost::asio::awaitable<Status> DropVanished(std::string arn);

private:
    boost::asio::awaitable<Status> ResolveMaster(bool archive);
    boost::asio::awaitable<Status> Reconcile();
    boost::asio::awaitable<Result<ports::Stage>> CreateWithClaim(std::string name,
                                                                 ports::Tags extra_tags,
                                                                 bool auto_scaled,
                                                                 std::string claim_id);
    boost::asio::awaitable<void> Archive(const ports::StageRecord& record);
    // Unregisters the stage and ends its sessions with their history events; how many ended.
    boost::asio::awaitable<Result<std::size_t>> RemoveAndEnd(std::string arn);
    void Emit(std::string type, boost::json::object data);
    void EmitCreated(const ports::StageRecord& record, const ports::StageEndpoints& endpoints);

    RegistryDeps deps_;
    RegistryOptions options_;
    std::atomic<bool> ready_{false};
    std::mutex name_mu_;
    std::int64_t last_name_ms_ = 0;
    int name_seq_ = 0;
};

}  // namespace ivs::stages
