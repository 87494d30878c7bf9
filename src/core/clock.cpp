#include "core/clock.hpp"

namespace ivs {

Clock& SystemClock::Instance() {
    static SystemClock clock;
    return clock;
}

ManualClock::ManualClock(SystemTime start)
    : wall_start_(start), steady_start_(std::chrono::steady_clock::now()) {}

SystemTime ManualClock::Now() const {
    return wall_start_ + std::chrono::nanoseconds(offset_ns_.load());
}

SteadyTime ManualClock::Steady() const {
    return steady_start_ + std::chrono::nanoseconds(offset_ns_.load());
}

void ManualClock::Advance(std::chrono::nanoseconds d) { offset_ns_ += d.count(); }

void ManualClock::Set(SystemTime t) {
    offset_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(t - wall_start_).count();
}

}  // namespace ivs
