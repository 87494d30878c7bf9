#pragma once

#include <memory>
#include <string>

#include "domain/publisher/publisher_tracker.hpp"
#include "domain/stages/fanout.hpp"
#include "domain/stages/stage_registry.hpp"
#include "domain/stats/audience_stats_service.hpp"
#include "http/router.hpp"
#include "ports/ivs_client.hpp"

namespace ivs::http {

// What the stage, stats and event routes work with. Built once by the stage wiring.
struct StagesApi {
    std::shared_ptr<stages::StageRegistry> registry;
    std::shared_ptr<stages::FanOut> fanout;
    std::shared_ptr<publisher::PublisherTracker> publisher;
    std::shared_ptr<stats::AudienceStatsService> stats;
    std::shared_ptr<ports::IvsClient> ivs;
    std::string aws_region;      // for /api/stats/stages/:stageId
    std::string aws_account_id;  // idem; empty: the master's account
    std::shared_ptr<ports::StageDemand> demand;  // waiting joins, creations under way (may be null)
    int max_stages = 20;            // MAX_STAGES
    int effective_max_stages = 20;  // what seating really uses (replication: master + 5)
};

// /api/stage/list, /api/stage/master/info, POST /api/stage, GET|PUT|DELETE /api/stage/:stageArn,
// /api/stage/replication/{start,stop,status/:stageArn,publisher-info}. Managed stages only.
void RegisterStageRoutes(Router& router, std::shared_ptr<const StagesApi> api);

}  // namespace ivs::http
