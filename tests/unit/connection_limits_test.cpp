#include <gtest/gtest.h>

#include "core/log_throttle.hpp"
#include "http/connection_limits.hpp"

namespace ivs {
namespace {

using http::Admission;
using http::ConnectionLimits;

TEST(ConnectionLimits, CapLeavesAReserveBelowTheDescriptorLimit) {
    EXPECT_EQ(ConnectionLimits::DerivedCap(512), 448u);
    EXPECT_EQ(ConnectionLimits::DerivedCap(1024), 896u);
    EXPECT_EQ(ConnectionLimits::DerivedCap(65536), 57344u);
    EXPECT_LT(ConnectionLimits::DerivedCap(64), 64u);
    EXPECT_GT(ConnectionLimits::DerivedCap(64), 0u);
}

TEST(ConnectionLimits, NormalThenOverflowThenRefusedAndSlotsComeBack) {
    ConnectionLimits limits(2);
    EXPECT_EQ(limits.Admit(), Admission::normal);
    EXPECT_EQ(limits.Admit(), Admission::normal);
    std::size_t overflow = 0;
    while (limits.Admit() == Admission::overflow) ++overflow;
    EXPECT_EQ(overflow, limits.overflow());
    EXPECT_EQ(limits.Admit(), Admission::refused);
    limits.Release(Admission::normal);
    EXPECT_EQ(limits.Admit(), Admission::normal);
    limits.Release(Admission::overflow);
    EXPECT_EQ(limits.Admit(), Admission::overflow);
    EXPECT_EQ(limits.open(), 2u);
}

TEST(ConnectionLimits, SpareDescriptorCanBeFreedOnceUntilRestored) {
    ConnectionLimits limits(10);
    EXPECT_TRUE(limits.FreeSpare());
    EXPECT_FALSE(limits.FreeSpare());
    limits.RestoreSpare();
    EXPECT_TRUE(limits.FreeSpare());
    limits.RestoreSpare();
}

TEST(ConnectionLimits, RefusalIsA503EnvelopeThatCloses) {
    std::string r = http::CapacityRefusal();
    EXPECT_EQ(r.rfind("HTTP/1.1 503", 0), 0u) << r;
    EXPECT_NE(r.find("SERVICE_UNAVAILABLE"), std::string::npos) << r;
    EXPECT_NE(r.find("Retry-After: 1"), std::string::npos) << r;
    EXPECT_NE(r.find("Connection: close"), std::string::npos) << r;
}

TEST(LogThrottle, OneLinePerIntervalCountingTheRest) {
    log::Throttle t(std::chrono::seconds(10));
    auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
    ASSERT_TRUE(t.Hit(t0));
    EXPECT_EQ(*t.Hit(t0 + std::chrono::seconds(10)), 0u);
    for (int i = 0; i < 1000; ++i) EXPECT_FALSE(t.Hit(t0 + std::chrono::seconds(11)));
    auto next = t.Hit(t0 + std::chrono::seconds(20));
    ASSERT_TRUE(next);
    EXPECT_EQ(*next, 1000u);
}

}  // namespace
}  // namespace ivs
