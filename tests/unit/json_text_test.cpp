#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>

#include "core/json_text.hpp"

namespace ivs {
namespace {
namespace json = boost::json;

TEST(JsonText, DoublesComeOutAsPlainDecimals) {
    json::object o{{"uptime", 6.919983614}, {"latencyMs", 0.13}, {"rss", 19.9}, {"ms", 0.06},
                   {"big", 1.7e9},          {"neg", -0.5},       {"whole", 3.0}};
    const std::string text = SerializeJson(o);
    EXPECT_EQ(text,
              R"({"uptime":6.919983614,"latencyMs":0.13,"rss":19.9,"ms":0.06,)"
              R"("big":1700000000,"neg":-0.5,"whole":3})");
    // Read back, the numbers are the same doubles.
    json::value back = json::parse(text);
    EXPECT_DOUBLE_EQ(back.at("uptime").to_number<double>(), 6.919983614);
    EXPECT_DOUBLE_EQ(back.at("latencyMs").to_number<double>(), 0.13);
}

TEST(JsonText, StringsAndIntegersAreUntouched) {
    json::object o{{"name", "1E5 \"2.5E3\" \\ 7E1"}, {"n", 12345}, {"arr", json::array{1.5, "x"}}};
    const std::string text = SerializeJson(o);
    EXPECT_EQ(json::parse(text).at("name"), "1E5 \"2.5E3\" \\ 7E1");
    EXPECT_EQ(json::parse(text).at("n"), 12345);
    EXPECT_NE(text.find("[1.5,\"x\"]"), std::string::npos) << text;
    EXPECT_EQ(SerializeJson(json::value("plain")), "\"plain\"");
}

TEST(JsonText, RewritesExponentTokensOfAnyDocument) {
    EXPECT_EQ(PlainJsonNumbers(R"({"a":1.5E-3,"b":[2E0,-4.25E2],"c":"3E2"})"),
              R"({"a":0.0015,"b":[2,-425],"c":"3E2"})");
}

TEST(JsonText, WritesTheSameBytesAsBoostWithPlainNumbers) {
    // Every escape Boost.JSON writes (quote, backslash, each control character), bytes it leaves
    // alone (DEL, UTF-8), nesting, empty containers and each number kind.
    std::string controls;
    for (int c = 0; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
    json::object o{{"controls", controls},
                   {"quote\"key\\", "a\"b\\c/d\x7f"},
                   {"utf8", "caf\xc3\xa9 \xe2\x82\xac"},
                   {"nested", json::array{json::object{}, json::array{}, nullptr, true, false}},
                   {"ints", json::array{0, -1, INT64_MIN, INT64_MAX, UINT64_MAX}},
                   {"doubles", json::array{0.0, -0.0, 1e-7, 123.456, 1e21, -2.5e-3}},
                   {"", ""}};
    EXPECT_EQ(SerializeJson(o), PlainJsonNumbers(json::serialize(o)));
    EXPECT_EQ(SerializeJson(json::value(std::numeric_limits<double>::infinity())), "null");
    EXPECT_EQ(SerializeJson(json::value(std::nan(""))), "null");
}

}  // namespace
}  // namespace ivs
