#include <array>
#include <mutex>
#include <unordered_map>

#include "http/rate_limiter.hpp"

namespace ivs::http {
namespace {

class MemoryRateLimiter final : public RateLimiter {
public:
    MemoryRateLimiter(const Clock& clock, std::size_t max_keys)
        : clock_(clock), max_keys_per_shard_(std::max<std::size_t>(1, max_keys / kShards)) {}

    boost::asio::awaitable<Result<RateDecision>> Hit(std::string key, int limit,
                                                     std::chrono::milliseconds window) override {
        co_return HitNow(key, limit, window);
    }

private:
    struct Counter {
        std::int64_t window_start_ms = 0;
        int count = 0;
    };
    struct Shard {
        std::mutex mu;
        std::unordered_map<std::string, Counter> counters;
    };
    static constexpr std::size_t kShards = 16;

    RateDecision HitNow(const std::string& key, int limit, std::chrono::milliseconds window) {
        const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     clock_.Steady().time_since_epoch())
                                     .count();
        const std::int64_t w = std::max<std::int64_t>(1, window.count());
        const std::int64_t start = now - (now % w);
        Shard& shard = shards_[std::hash<std::string>{}(key) % kShards];
        std::lock_guard lock(shard.mu);
        auto it = shard.counters.find(key);
        if (it == shard.counters.end()) {
            if (shard.counters.size() >= max_keys_per_shard_) Evict(shard, start);
            it = shard.counters.emplace(key, Counter{start, 0}).first;
        }
        Counter& c = it->second;
        if (c.window_start_ms != start) {
            c.window_start_ms = start;
            c.count = 0;
        }
        ++c.count;
        RateDecision d;
        d.limit = limit;
        d.allowed = c.count <= limit;
        d.remaining = std::max(0, limit - c.count);
        d.reset_seconds = static_cast<int>((start + w - now + 999) / 1000);
        return d;
    }

    // Drops counters of past windows; if every counter is current, drops an arbitrary half so
    // memory stays bounded even under a flood of distinct keys.
    void Evict(Shard& shard, std::int64_t current_start) const {
        for (auto it = shard.counters.begin(); it != shard.counters.end();) {
            it = it->second.window_start_ms != current_start ? shard.counters.erase(it)
                                                              : std::next(it);
        }
        if (shard.counters.size() >= max_keys_per_shard_) {
            std::size_t target = shard.counters.size() / 2;
            for (auto it = shard.counters.begin();
                 it != shard.counters.end() && shard.counters.size() > target;) {
                it = shard.counters.erase(it);
            }
        }
    }

    const Clock& clock_;
    std::size_t max_keys_per_shard_;
    std::array<Shard, kShards> shards_;
};

}  // namespace

std::unique_ptr<RateLimiter> MakeMemoryRateLimiter(const Clock& clock, std::size_t max_keys) {
    return std::make_unique<MemoryRateLimiter>(clock, max_keys);
}

}  // namespace ivs::http
