#pragma once

#include <cstdint>
#include <string>

namespace ivs::ports {

// Whether this instance may run the singleton jobs (autoscaler, sweeper, snapshots, retention,
// replication reconciler, publisher poll). Always true in single-process (memory) mode; a Redis
// lease with a fencing token in Redis mode. Thread-safe.
class Leadership {
public:
    virtual ~Leadership() = default;
    virtual bool IsLeader() const = 0;
    // Increases every time leadership is acquired anywhere; 0 when not leader.
    virtual std::uint64_t FencingToken() const = 0;
    virtual const std::string& InstanceId() const = 0;
};

}  // namespace ivs::ports
