#pragma once

#include <atomic>
#include <chrono>

namespace ivs {

using SystemTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;

// Wall and monotonic time behind one interface so tests can move time. Thread-safe.
class Clock {
public:
    virtual ~Clock() = default;
    virtual SystemTime Now() const = 0;
    virtual SteadyTime Steady() const = 0;
};

// The real clocks.
class SystemClock final : public Clock {
public:
    SystemTime Now() const override { return std::chrono::system_clock::now(); }
    SteadyTime Steady() const override { return std::chrono::steady_clock::now(); }

    static Clock& Instance();
};

// A clock that only moves when told to (tests). Both views advance together.
class ManualClock final : public Clock {
public:
    explicit ManualClock(SystemTime start = std::chrono::system_clock::now());
    SystemTime Now() const override;
    SteadyTime Steady() const override;
    void Advance(std::chrono::nanoseconds d);
    void Set(SystemTime t);

private:
    std::atomic<std::int64_t> offset_ns_{0};
    SystemTime wall_start_;
    SteadyTime steady_start_;
};

inline std::int64_t ToUnixMillis(SystemTime t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
// Clamped to what a SystemTime holds (about 1678-2262): a stored or received number of any size
// never overflows it.
inline SystemTime FromUnixMillis(std::int64_t ms) {
    constexpr std::int64_t kLimit =
        std::chrono::duration_cast<std::chrono::milliseconds>(SystemTime::duration::max()).count();
    return SystemTime(std::chrono::milliseconds(ms < -kLimit ? -kLimit : ms > kLimit ? kLimit : ms));
}

}  // namespace ivs
