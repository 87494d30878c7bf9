#pragma once

#include <memory>

#include "adapters/ivs/emulator.hpp"
#include "ports/ivs_client.hpp"

namespace ivs::emulator {

// ports::IvsClient over an in-process Emulator: every call runs synchronously under the
// emulator's lock and completes at once (no suspension). Errors are the emulator's IVS errors
// (Error::details["ivsError"] = type). Faults injected with Emulator::InjectFaults apply here
// too: HTTP 429 and throttling types -> rate_limited, 5xx -> unavailable.
std::shared_ptr<ports::IvsClient> MakeEmulatorIvsClient(std::shared_ptr<Emulator> emulator);

}  // namespace ivs::emulator
