#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <vector>

#include "http/options.hpp"
#include "core/clock.hpp"
#include "http/health.hpp"
#include "http/router.hpp"

namespace ivs::http {

// What the health answers report beyond the probes, read without any I/O.
struct HealthFacts {
    // Last known Redis state (connected or not); unset when this process uses no Redis.
    std::function<bool()> redis_connected;
    // True once a master stage is known (MASTER_STAGE_ARN, or the embedded master).
    std::function<bool()> stage_configured;
    // Fields added to the /api/health data (e.g. `instance`).
    std::function<boost::json::object()> extra_data;
};

// GET / (service info), GET /health (liveness, no dependency calls) and GET /api/health
// (every dependency probed concurrently with a 1 s deadline; 503 when one is down). Both
// health answers carry the Node server's fields: status "healthy", uptime, environment,
// version, services.redis, services.aws.{region,stageConfigured}, memory.{used,total,unit}.
void RegisterSystemRoutes(Router& router, SystemOptions options,
                          std::vector<DependencyCheck> checks, HealthFacts facts = {});

}  // namespace ivs::http
