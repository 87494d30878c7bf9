#pragma once

#include <memory>

#include "domain/audience/audience_service.hpp"
#include "http/router.hpp"

namespace ivs::http {

// POST /api/viewer/rejoin (app), /api/viewer/heartbeat and /api/viewer/leave (app, or the
// viewer's own session token), GET /api/viewer/list/:stageArn and /api/viewer/duration (read).
void RegisterViewerRoutes(Router& router, std::shared_ptr<audience::AudienceService> audience);

}  // namespace ivs::http
