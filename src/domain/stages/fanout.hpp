#pragma once

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <mutex>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "domain/stages/stage_directory.hpp"
#include "ports/hot_store.hpp"
#include "ports/ivs_client.hpp"

namespace ivs::stages {

// Fan-out of the publisher from the master stage to every other managed stage through IVS
// participant replication (FANOUT_MODE=replication). The hot store keeps one replication record
// per destination stage; `Reconcile` makes IVS match the wanted set:
//   - publisher live with a known participant: a replication master -> each non-master managed
//     stage (active or draining, since a draining stage still has viewers), re-pointed when the
//     publisher's participant changes;
//   - otherwise, or for stages no longer managed: replications are stopped and records removed.
// A failed start stays recorded as inactive and is retried by the next Reconcile (every
// autoscaler tick). In mediaserver mode (`enabled` false) nothing is replicated.
// Thread-safe: Reconcile calls are serialized by the caller (the autoscaler's single flight);
// StopFor may run concurrently with them (IVS and the hot store tolerate repeats).
class FanOut {
public:
    FanOut(std::shared_ptr<ports::IvsClient> ivs, std::shared_ptr<ports::HotStore> hot,
           std::shared_ptr<StageDirectory> directory, Clock& clock, bool enabled,
           int reconnect_window_seconds)
        : ivs_(std::move(ivs)),
          hot_(std::move(hot)),
          directory_(std::move(directory)),
          clock_(clock),
          enabled_(enabled),
          reconnect_window_seconds_(reconnect_window_seconds) {}

    bool Enabled() const { return enabled_; }

    // Errors: unavailable when the hot store cannot be read (IVS failures are retried later).
    boost::asio::awaitable<Status> Reconcile(SystemTime cutoff);

    // Stops the replication into `destination_arn` (if any) and removes its record. IVS
    // not_found is treated as already stopped.
    boost::asio::awaitable<Status> StopFor(std::string destination_arn);

    // Starts one replication by hand (the /api/stage/replication/start endpoint) and records it.
    boost::asio::awaitable<Result<ports::ReplicationRecord>> Start(std::string source_arn,
                                                                   std::string destination_arn,
                                                                   std::string participant_id);
    // Stops one replication by hand and removes its record.
    boost::asio::awaitable<Status> Stop(std::string source_arn, std::string destination_arn,
                                        std::string participant_id);

private:
    std::shared_ptr<ports::IvsClient> ivs_;
    std::shared_ptr<ports::HotStore> hot_;
    std::shared_ptr<StageDirectory> directory_;
    Clock& clock_;
    bool enabled_;
    int reconnect_window_seconds_;
};

}  // namespace ivs::stages
