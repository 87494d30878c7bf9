#pragma once

#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "http/health.hpp"
#include "http/router.hpp"

namespace ivs::http {

// GET / (service info), GET /health (liveness, no dependency calls) and GET /api/health
// (every dependency probed concurrently with a 1 s deadline; 503 when one is down).
void RegisterSystemRoutes(Router& router, const Config& config,
                          std::vector<DependencyCheck> checks);

}  // namespace ivs::http
