#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <thread>

#include "core/clock.hpp"
#include "http/rate_limiter.hpp"

namespace ivs::http {
namespace {

using std::chrono::milliseconds;

class RateLimiterTest : public ::testing::Test {
protected:
    static constexpr milliseconds kWindow{60000};

    void SetUp() override {
        limiter_ = MakeMemoryRateLimiter(clock_, 64);
        // Windows are aligned to multiples of their length: start exactly at a boundary so
        // the test knows how much of the window is left.
        auto now = std::chrono::duration_cast<milliseconds>(clock_.Steady().time_since_epoch());
        clock_.Advance(kWindow - now % kWindow);
    }

    RateDecision Hit(const std::string& key, int limit, milliseconds window = kWindow) {
        boost::asio::io_context ioc;
        auto fut = boost::asio::co_spawn(ioc, limiter_->Hit(key, limit, window),
                                         boost::asio::use_future);
        ioc.run();
        Result<RateDecision> r = fut.get();
        EXPECT_TRUE(r.has_value());
        return r ? *r : RateDecision{};
    }

    ManualClock clock_;
    std::unique_ptr<RateLimiter> limiter_;
};

TEST_F(RateLimiterTest, CountsDownRemainingThenRefuses) {
    for (int i = 1; i <= 3; ++i) {
        RateDecision d = Hit("key:a", 3);
        EXPECT_TRUE(d.allowed) << i;
        EXPECT_EQ(d.limit, 3);
        EXPECT_EQ(d.remaining, 3 - i);
        EXPECT_EQ(d.reset_seconds, 60);
    }
    RateDecision d = Hit("key:a", 3);
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.remaining, 0);
    EXPECT_EQ(d.reset_seconds, 60);
}

TEST_F(RateLimiterTest, ResetCountsDownWithTheClock) {
    Hit("key:a", 1);
    clock_.Advance(std::chrono::seconds(45));
    RateDecision d = Hit("key:a", 1);
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reset_seconds, 15);
    clock_.Advance(milliseconds(14500));
    d = Hit("key:a", 1);
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reset_seconds, 1);  // rounded up, never 0 while refused
}

TEST_F(RateLimiterTest, NewWindowStartsFresh) {
    for (int i = 0; i < 5; ++i) Hit("key:a", 2);
    EXPECT_FALSE(Hit("key:a", 2).allowed);
    clock_.Advance(kWindow);
    RateDecision d = Hit("key:a", 2);
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.remaining, 1);
    EXPECT_EQ(d.reset_seconds, 60);
}

TEST_F(RateLimiterTest, KeysAreIsolated) {
    Hit("key:a", 1);
    EXPECT_FALSE(Hit("key:a", 1).allowed);
    RateDecision b = Hit("key:b", 1);
    EXPECT_TRUE(b.allowed);
    EXPECT_EQ(b.remaining, 0);
    EXPECT_TRUE(Hit("ip:10.0.0.1", 1).allowed);
    EXPECT_TRUE(Hit("ip:10.0.0.2", 1).allowed);
    EXPECT_FALSE(Hit("ip:10.0.0.1", 1).allowed);
}

TEST_F(RateLimiterTest, PerCallLimitIsHonoured) {
    // A key with its own larger limit (API_KEYS name:scope:secret:limit).
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(Hit("key:big", 10).allowed) << i;
    EXPECT_FALSE(Hit("key:big", 10).allowed);
}

TEST_F(RateLimiterTest, ShortWindowsRoundResetUp) {
    auto now = std::chrono::duration_cast<milliseconds>(clock_.Steady().time_since_epoch());
    clock_.Advance(milliseconds(1500) - now % milliseconds(1500));
    RateDecision d = Hit("key:s", 5, milliseconds(1500));
    EXPECT_EQ(d.reset_seconds, 2);
}

TEST_F(RateLimiterTest, MemoryStaysBoundedUnderAFloodOfKeys) {
    // max_keys is 64: a flood of distinct keys must not be remembered without bound. Counters
    // can only be observed through decisions, so: hit 5000 keys once, then again; a second hit
    // is refused only while that key's counter is still held, which a bounded table cannot do
    // for most of them.
    constexpr int kKeys = 5000;
    for (int i = 0; i < kKeys; ++i) Hit("ip:flood-" + std::to_string(i), 1);
    int remembered = 0;
    for (int i = 0; i < kKeys; ++i) {
        if (!Hit("ip:flood-" + std::to_string(i), 1).allowed) ++remembered;
    }
    EXPECT_LT(remembered, 500) << "the limiter kept counters for most of " << kKeys << " keys";
    // Still exact for a key used after the flood.
    EXPECT_TRUE(Hit("key:after", 1).allowed);
    EXPECT_FALSE(Hit("key:after", 1).allowed);
    // In the next window every key starts fresh.
    clock_.Advance(kWindow);
    for (int i = 0; i < 200; ++i) EXPECT_TRUE(Hit("ip:flood-" + std::to_string(i), 1).allowed);
}

TEST_F(RateLimiterTest, ConcurrentHitsAreCountedExactly) {
    constexpr int kThreads = 4, kPerThread = 250;
    std::vector<std::thread> threads;
    std::atomic<int> allowed{0};
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kPerThread; ++i) {
                if (Hit("key:shared", 600).allowed) ++allowed;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(allowed.load(), 600);
}

}  // namespace
}  // namespace ivs::http
