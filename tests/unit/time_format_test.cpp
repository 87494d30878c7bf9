#include <gtest/gtest.h>

#include "core/time_format.hpp"

namespace ivs {
namespace {

TEST(TimeFormat, FormatsMillisecondsInUtc) {
    auto t = FromUnixMillis(1761042600123);  // 2025-10-21T10:30:00.123Z
    EXPECT_EQ(FormatIso8601Millis(t), "2025-10-21T10:30:00.123Z");
    EXPECT_EQ(FormatIso8601Seconds(t), "2025-10-21T10:30:00Z");
}

TEST(TimeFormat, ParsesOffsetsAndFractions) {
    auto a = ParseIso8601("2025-10-21T10:30:00Z");
    auto b = ParseIso8601("2025-10-21T12:30:00.000+02:00");
    auto c = ParseIso8601("2025-10-21T10:30:00.5Z");
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(*a, *b);
    EXPECT_EQ(ToUnixMillis(*c) - ToUnixMillis(*a), 500);
    EXPECT_FALSE(ParseIso8601("2025-10-21 10:30"));
    EXPECT_FALSE(ParseIso8601("not a date at all!!"));
}

}  // namespace
}  // namespace ivs
