#pragma once

#include <memory>

#include "ports/hot_store.hpp"
#include "ports/stage_demand.hpp"

namespace ivs::adapters {

// Seat demand and creation claims of a single process, checked against the registry in `hot`.
std::shared_ptr<ports::StageDemand> MakeLocalStageDemand(std::shared_ptr<ports::HotStore> hot);

}  // namespace ivs::adapters
