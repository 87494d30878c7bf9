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

TEST(TimeFormat, RefusesDatesThatDoNotExist) {
    EXPECT_FALSE(ParseIso8601("2024-02-30T00:00:00Z"));
    EXPECT_FALSE(ParseIso8601("2023-02-29T00:00:00Z"));
    EXPECT_FALSE(ParseIso8601("2025-04-31T00:00:00Z"));
    EXPECT_FALSE(ParseIso8601("2025-10-21T-1:30:00Z"));
    auto leap = ParseIso8601("2024-02-29T00:00:00Z");
    ASSERT_TRUE(leap);
    EXPECT_EQ(FormatIso8601Seconds(*leap), "2024-02-29T00:00:00Z");
}

TEST(TimeFormat, RefusesInstantsOutsideTheClockRange) {
    // Read as they are, never wrapped into another century.
    EXPECT_FALSE(ParseIso8601("9999-12-30T00:00:00Z"));
    EXPECT_FALSE(ParseIso8601("2262-04-12T00:00:00Z"));
    EXPECT_FALSE(ParseIso8601("1677-09-21T00:00:00Z"));
    EXPECT_FALSE(ParseIso8601("0000-01-01T00:00:00Z"));
    auto late = ParseIso8601("2262-01-01T00:00:00Z");
    auto early = ParseIso8601("1678-01-01T00:00:00+01:00");
    ASSERT_TRUE(late && early);
    EXPECT_EQ(FormatIso8601Seconds(*late), "2262-01-01T00:00:00Z");
    EXPECT_EQ(FormatIso8601Seconds(*early), "1677-12-31T23:00:00Z");
}

}  // namespace
}  // namespace ivs
