#pragma once

#include <memory>

#include "metrics/registry.hpp"
#include "ports/ivs_client.hpp"

namespace ivs::metrics {

// Wraps an IvsClient so every call is counted by operation and outcome
// (ivs_calls_total{operation,outcome}, outcome = "success" or the Errc name) and timed
// (ivs_call_duration_seconds{operation}). Behaviour of the wrapped client is unchanged.
// Thread-safe like the client it wraps.
std::shared_ptr<ports::IvsClient> InstrumentIvs(std::shared_ptr<ports::IvsClient> inner,
                                                Registry& registry = DefaultRegistry());

}  // namespace ivs::metrics
