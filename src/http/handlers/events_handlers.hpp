#pragma once

#include <memory>

#include "http/handlers/stage_handlers.hpp"

namespace ivs::http {

// POST /api/events/ivs: EventBridge events (as an API destination posts them), app or admin key.
void RegisterEventRoutes(Router& router, std::shared_ptr<const StagesApi> api);

}  // namespace ivs::http
