#pragma once

#include <memory>

#include "ports/event_bus.hpp"
#include "ports/leadership.hpp"

namespace ivs::adapters {

// In-process event bus: Publish calls every listener synchronously on the caller's thread.
std::shared_ptr<ports::EventBus> MakeLocalEventBus();

// Single-process leadership: this instance is always the leader (fencing token 1).
std::shared_ptr<ports::Leadership> MakeLocalLeadership(std::string instance_id);

}  // namespace ivs::adapters
