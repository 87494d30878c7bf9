#include "adapters/history/postgres/pg_breaker.hpp"

#include <spdlog/spdlog.h>

namespace ivs::adapters::history {

PgBreaker::PgBreaker(std::function<bool()> probe, std::chrono::milliseconds interval)
    : probe_(std::move(probe)), interval_(interval), thread_([this] { Loop(); }) {}

PgBreaker::~PgBreaker() { Stop(); }

void PgBreaker::Trip(const std::string& why) {
    {
        std::lock_guard lock(mu_);
        if (stopped_ || open_.exchange(true, std::memory_order_acq_rel)) return;
    }
    spdlog::warn("PostgreSQL is not answering ({}): history calls fail at once until it answers "
                 "a probe",
                 why);
    cv_.notify_all();
}

void PgBreaker::Stop() {
    {
        std::lock_guard lock(mu_);
        stopped_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void PgBreaker::Loop() {
    std::unique_lock lock(mu_);
    for (;;) {
        cv_.wait(lock, [&] { return stopped_ || Open(); });
        if (stopped_) return;
        lock.unlock();
        bool answered = false;
        try {
            answered = probe_();
        } catch (...) {
            answered = false;
        }
        lock.lock();
        if (answered) {
            open_.store(false, std::memory_order_release);
            spdlog::info("PostgreSQL answers again: history calls resume");
            continue;
        }
        cv_.wait_for(lock, interval_, [&] { return stopped_; });
    }
}

}  // namespace ivs::adapters::history
