#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace ivs::adapters::history {

// The circuit breaker of one PostgreSQL pool. A call that found the server hung (no answer
// within its deadline, or a connection attempt that timed out) trips it; while it is open every
// call of the pool fails at once, and a thread of its own runs `probe` every `interval` until
// one succeeds, which closes it. Nobody waits for a hung server more than once. Thread-safe.
class PgBreaker {
public:
    // `probe` returns true when the server answered; it may block (bounded by its own timeouts).
    PgBreaker(std::function<bool()> probe, std::chrono::milliseconds interval);
    ~PgBreaker();
    PgBreaker(const PgBreaker&) = delete;
    PgBreaker& operator=(const PgBreaker&) = delete;

    bool Open() const { return open_.load(std::memory_order_acquire); }
    void Trip(const std::string& why);
    // Ends the probing (waits for a probe under way).
    void Stop();

private:
    void Loop();

    std::function<bool()> probe_;
    std::chrono::milliseconds interval_;
    std::atomic<bool> open_{false};
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopped_ = false;
    std::thread thread_;
};

}  // namespace ivs::adapters::history
