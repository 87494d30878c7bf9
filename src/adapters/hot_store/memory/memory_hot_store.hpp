#pragma once

#include <memory>

#include "core/clock.hpp"
#include "ports/hot_store.hpp"

namespace ivs::adapters {

// The in-process hot store (embedded, single-process mode). Production code: every method is
// one critical section under one mutex, so seating decisions are atomic; a heartbeat is
// O(log n) (sessions sit in ordered indexes by last heartbeat, globally and per stage), expiry
// walks only the expired end of the global index. Memory is about 200 bytes per tracked
// session (stage ARNs interned, session ids packed). Methods complete without suspending and
// never fail with unavailable. `clock` is used only for MarkOnce lifetimes.
std::shared_ptr<ports::HotStore> MakeMemoryHotStore(const Clock& clock = SystemClock::Instance());

}  // namespace ivs::adapters
