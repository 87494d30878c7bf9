#pragma once

#include <memory>

#include "core/clock.hpp"
#include "http/router.hpp"
#include "ports/history_store.hpp"

namespace ivs::http {

// GET /api/viewer/history/:userId?limit=&cursor=   a viewer's sessions, newest first
// GET /api/viewer/stats/:stageArn?days=             aggregate viewing stats of a stage
// GET /api/stats/timeseries?stageArn=&from=&to=&step=  snapshots bucketed by step
// All need any API key (Access::read). Invalid input answers 400 VALIDATION_ERROR with
// details.invalidFields; a history store outage answers 503 SERVICE_UNAVAILABLE.
void RegisterHistoryRoutes(Router& router, std::shared_ptr<ports::HistoryStore> store,
                           Clock& clock);

// Parses a timeseries step: "60", "90s", "5m", "1h", "1d". nullopt when malformed or < 1 s.
std::optional<std::chrono::seconds> ParseStep(std::string_view text);

}  // namespace ivs::http
