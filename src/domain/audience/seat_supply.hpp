#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace ivs::audience {

// What seating needs from the stage side when every stage is full: register the join's demand,
// have stages created for it, and be woken when one appears. Thread-safe.
class SeatSupply {
public:
    virtual ~SeatSupply() = default;

    // Changes every time a stage may have new seats (a stage created anywhere, a creation
    // failed). Read before trying a seat, so a change during the attempt is not missed.
    virtual std::uint64_t Generation() const = 0;
    // A join found no seat: counts it as waiting until `until` (every instance sees it) and makes
    // sure the stages the waiting joins need are being created. Errors at once when none can be:
    // stage_limit_reached (the deployment's stage limit, or IVS refused with a quota error) or
    // stage_full.
    virtual boost::asio::awaitable<Status> NeedSeat(std::string join_id, SystemTime until) = 0;
    // The join is seated or gave up: no longer waiting.
    virtual boost::asio::awaitable<void> Done(std::string join_id) = 0;
    // Returns once Generation() differs from `seen`, or after `timeout`.
    virtual boost::asio::awaitable<void> WaitChange(std::uint64_t seen,
                                                    std::chrono::milliseconds timeout) = 0;
};

}  // namespace ivs::audience
