#pragma once

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace ivs::ports {

// Seat demand and stage creations shared by every instance of a deployment (in-process in
// memory mode, in Redis in Redis mode):
//   - waiting joins: a join that found no seat is counted until it is seated, gives up, or its
//     `until` passes (so a crashed instance's joins stop counting by themselves);
//   - creation claims: every stage creation, by any instance, first takes a claim. Claims are
//     granted atomically against the registry, so however many instances scale up at once the
//     deployment never goes above its stage limit or creates more stages than the demand they
//     all see. A claim is released once the stage is registered (or its creation failed); the
//     claim of a crashed creator lapses at its `until`.
// Thread-safe. Errors: unavailable/timeout when the store cannot be reached.
struct DemandView {
    int waiting = 0;   // joins waiting for a seat now
    int creating = 0;  // live creation claims
};

struct ClaimRequest {
    int want = 0;           // claims asked for
    int target_active = 0;  // active stages + live claims wanted in all
    int limit = 0;          // registered stages (master and draining ones too) + claims, at most
    SystemTime now;
    SystemTime until;  // when an unreleased claim lapses
};

class StageDemand {
public:
    template <class T>
    using Async = boost::asio::awaitable<Result<T>>;

    virtual ~StageDemand() = default;

    virtual Async<void> AddWaiting(std::string join_id, SystemTime until) = 0;
    virtual Async<void> RemoveWaiting(std::string join_id) = 0;
    // Grants min(want, target_active - active - creating, limit - registered - creating)
    // claims (none when that is not positive); returns their ids.
    virtual Async<std::vector<std::string>> Claim(ClaimRequest request) = 0;
    virtual Async<void> Release(std::string claim_id) = 0;
    // Moves a held claim's lapse to `until` (its creator is still at work); false when the claim
    // is gone (lapsed or released).
    virtual Async<bool> Extend(std::string claim_id, SystemTime until) = 0;
    // True while the claim is held and has not lapsed.
    virtual Async<bool> ClaimLive(std::string claim_id, SystemTime now) = 0;
    virtual Async<DemandView> View(SystemTime now) = 0;
};

}  // namespace ivs::ports
