#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace ivs::log {

// Lets a condition that may repeat thousands of times a second (accept failures, refused
// connections) log at most once per interval. Thread-safe.
class Throttle {
public:
    explicit Throttle(std::chrono::steady_clock::duration interval) : interval_(interval) {}

    // Counts one occurrence. Returns how many occurrences were suppressed since the last line
    // when this one should be logged, nullopt when it should stay quiet.
    std::optional<std::uint64_t> Hit(
        std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
        std::lock_guard lock(mu_);
        if (logged_once_ && now - last_ < interval_) {
            ++suppressed_;
            return std::nullopt;
        }
        logged_once_ = true;
        last_ = now;
        std::uint64_t n = suppressed_;
        suppressed_ = 0;
        return n;
    }

private:
    const std::chrono::steady_clock::duration interval_;
    std::mutex mu_;
    bool logged_once_ = false;
    std::chrono::steady_clock::time_point last_{};
    std::uint64_t suppressed_ = 0;
};

}  // namespace ivs::log
