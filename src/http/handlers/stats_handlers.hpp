#pragma once

#include <memory>

#include "http/handlers/stage_handlers.hpp"

namespace ivs::http {

// GET /api/stats, /api/stats/viewers, /api/stats/stages (+ ?arn=), /api/stats/stages/:stageId,
// /api/stats/publisher. Each answer is built from one hot-store snapshot.
void RegisterStatsRoutes(Router& router, std::shared_ptr<const StagesApi> api);

}  // namespace ivs::http
