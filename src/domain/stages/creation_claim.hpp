#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "ports/stage_demand.hpp"

namespace ivs::stages {

// Keeps a creation claim alive while its CreateStage runs, as long as `creating` lives. Spawned
// as a coroutine of its own (not raced against the call with ||): it only reads values it owns,
// so it may outlive the creation by one tick and then ends; a late extension of a released
// claim changes nothing (only an existing claim is extended).
boost::asio::awaitable<void> KeepClaimWhile(std::shared_ptr<ports::StageDemand> demand,
                                            const Clock* clock, std::chrono::seconds ttl,
                                            std::string claim_id,
                                            std::weak_ptr<const bool> creating);

}  // namespace ivs::stages
