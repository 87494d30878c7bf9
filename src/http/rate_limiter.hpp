#pragma once

#include <memory>

#include "core/clock.hpp"
#include "ports/rate_limiter.hpp"

namespace ivs::http {

using ports::RateDecision;
using ports::RateLimiter;

// In-process counters: one process, exact. Memory is bounded by `max_keys`; expired windows are
// dropped when that bound is reached.
std::unique_ptr<RateLimiter> MakeMemoryRateLimiter(const Clock& clock,
                                                   std::size_t max_keys = 1'000'000);

}  // namespace ivs::http
