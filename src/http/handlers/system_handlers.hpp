#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "http/health.hpp"
#include "http/router.hpp"

namespace ivs::http {

// GET / (service info), GET /health (liveness, no dependency calls) and GET /api/health
// (every dependency probed concurrently with a 1 s deadline; 503 when one is down).
// `extra_data`, when set, adds its fields to the /api/health data (e.g. `instance`).
void RegisterSystemRoutes(Router& router, const Config& config,
                          std::vector<DependencyCheck> checks,
                          std::function<boost::json::object()> extra_data = {});

}  // namespace ivs::http
