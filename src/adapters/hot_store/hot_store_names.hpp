#pragma once

// The hot-store port's record types by their short names, for the adapters that implement the
// port (in-process and Redis): they name these types on almost every line.

#include "ports/hot_store.hpp"

namespace ivs::adapters {

using ports::HotSnapshot;
using ports::PublisherState;
using ports::ReplicationRecord;
using ports::SeatRequest;
using ports::SeatResult;
using ports::StageRecord;
using ports::StageState;
using ports::ViewerSession;

}  // namespace ivs::adapters
