#include "http/router.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/percent.hpp"

namespace ivs::http {
namespace {

constexpr const char* kRawArn = "arn:aws:ivs:us-east-1:123456789012:stage/abcdABCDefgh";
constexpr const char* kEncodedArn =
    "arn%3Aaws%3Aivs%3Aus-east-1%3A123456789012%3Astage%2FabcdABCDefgh";

Handler Noop() {
    return [](RequestContext&) -> boost::asio::awaitable<Reply> { co_return Reply{}; };
}

class RouterTest : public ::testing::Test {
protected:
    void SetUp() override {
        router_.Add(Verb::get, "/api/stage", Noop());
        router_.Add(Verb::post, "/api/stage", Noop());
        router_.Add(Verb::get, "/api/stage/:stageArn", Noop());
        router_.Add(Verb::delete_, "/api/stage/:stageArn", Noop());
        router_.Add(Verb::get, "/api/stage/replication/status/:stageArn", Noop());
        router_.Add(Verb::get, "/api/stage/replication/status", Noop());
        router_.Add(Verb::get, "/api/viewer/:userId", Noop());
        router_.Add(Verb::get, "/api/viewer/count", Noop());
        router_.Add(Verb::post, "/api/token/viewer", Noop());
    }
    Router router_;
};

TEST_F(RouterTest, LiteralSegmentBeatsParameterWhateverTheRegistrationOrder) {
    RouteMatch m = router_.Match(Verb::get, "/api/viewer/count");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->pattern, "/api/viewer/count");
    EXPECT_TRUE(m.params.empty());

    m = router_.Match(Verb::get, "/api/viewer/alice");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->pattern, "/api/viewer/:userId");
    EXPECT_EQ(m.params.at("userId"), "alice");

    m = router_.Match(Verb::get, "/api/stage/replication/status");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->pattern, "/api/stage/replication/status");
}

TEST_F(RouterTest, UnknownPathHasNoRouteAndNoAllowedMethods) {
    RouteMatch m = router_.Match(Verb::get, "/api/nothing/here");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_TRUE(m.allowed.empty());
    m = router_.Match(Verb::get, "/api/stage/a/b/c/d/e");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_TRUE(m.allowed.empty());
}

TEST_F(RouterTest, WrongMethodListsTheAllowedMethods) {
    RouteMatch m = router_.Match(Verb::put, "/api/stage");
    EXPECT_EQ(m.route, nullptr);
    ASSERT_EQ(m.allowed.size(), 2u);
    EXPECT_NE(std::find(m.allowed.begin(), m.allowed.end(), Verb::get), m.allowed.end());
    EXPECT_NE(std::find(m.allowed.begin(), m.allowed.end(), Verb::post), m.allowed.end());

    m = router_.Match(Verb::get, "/api/token/viewer");
    EXPECT_EQ(m.route, nullptr);
    ASSERT_EQ(m.allowed.size(), 1u);
    EXPECT_EQ(m.allowed[0], Verb::post);
}

TEST_F(RouterTest, AllowedMethodsComeFromTheMostSpecificPathShape) {
    // PUT /api/viewer/count: the literal route allows GET only; the parameter route's methods
    // (also GET) must not be duplicated or mixed in.
    router_.Add(Verb::delete_, "/api/viewer/:userId", Noop());
    RouteMatch m = router_.Match(Verb::put, "/api/viewer/count");
    EXPECT_EQ(m.route, nullptr);
    ASSERT_EQ(m.allowed.size(), 1u);
    EXPECT_EQ(m.allowed[0], Verb::get);
}

TEST_F(RouterTest, MatchedRouteReportsNoAllowedList) {
    RouteMatch m = router_.Match(Verb::get, "/api/stage");
    ASSERT_NE(m.route, nullptr);
    EXPECT_TRUE(m.allowed.empty());
}

TEST_F(RouterTest, HeadIsServedByGetRoutes) {
    RouteMatch m = router_.Match(Verb::head, "/api/stage");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->method, Verb::get);
}

TEST_F(RouterTest, StageArnParameterAcceptsEncodedAndRawForms) {
    for (const std::string arn : {kEncodedArn, kRawArn}) {
        SCOPED_TRACE(arn);
        RouteMatch m = router_.Match(Verb::get, "/api/stage/" + arn);
        ASSERT_NE(m.route, nullptr);
        EXPECT_EQ(m.route->pattern, "/api/stage/:stageArn");
        EXPECT_EQ(m.params.at("stageArn"), kRawArn);

        m = router_.Match(Verb::delete_, "/api/stage/" + arn);
        ASSERT_NE(m.route, nullptr);
        EXPECT_EQ(m.params.at("stageArn"), kRawArn);

        m = router_.Match(Verb::get, "/api/stage/replication/status/" + arn);
        ASSERT_NE(m.route, nullptr);
        EXPECT_EQ(m.route->pattern, "/api/stage/replication/status/:stageArn");
        EXPECT_EQ(m.params.at("stageArn"), kRawArn);
    }
}

TEST_F(RouterTest, PartiallyEncodedArnAlsoMatches) {
    // Colons raw, slash encoded (what some HTTP clients produce).
    RouteMatch m = router_.Match(Verb::get,
                                 "/api/stage/arn:aws:ivs:us-east-1:123456789012:stage%2FabcdABCDefgh");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.params.at("stageArn"), kRawArn);
}

TEST_F(RouterTest, WrongMethodOnArnPathListsAllowedMethods) {
    RouteMatch m = router_.Match(Verb::put, std::string("/api/stage/") + kRawArn);
    EXPECT_EQ(m.route, nullptr);
    EXPECT_EQ(m.allowed.size(), 2u);
}

TEST(SplitPathTest, DecodesSegmentsAndIgnoresEmptyOnes) {
    auto segs = SplitPath("/api//viewer/al%20ice/");
    ASSERT_EQ(segs.size(), 3u);
    EXPECT_EQ(segs[0], "api");
    EXPECT_EQ(segs[1], "viewer");
    EXPECT_EQ(segs[2], "al ice");
}

TEST(SplitPathTest, JoinsARawArnIntoOneSegment) {
    auto segs = SplitPath(std::string("/api/stage/") + kRawArn);
    ASSERT_EQ(segs.size(), 3u);
    EXPECT_EQ(segs[2], kRawArn);
}

TEST(SplitPathTest, MalformedEscapeIsKeptVerbatim) {
    auto segs = SplitPath("/api/x%zz");
    ASSERT_EQ(segs.size(), 2u);
    EXPECT_EQ(segs[1], "x%zz");
}

TEST(PercentDecodeTest, DecodesAndRejectsBadEscapes) {
    std::string out;
    EXPECT_TRUE(PercentDecode("a%2Fb%3a", out));
    EXPECT_EQ(out, "a/b:");
    EXPECT_TRUE(PercentDecode("a+b", out));
    EXPECT_EQ(out, "a+b");
    EXPECT_TRUE(PercentDecode("a+b", out, true));
    EXPECT_EQ(out, "a b");
    EXPECT_FALSE(PercentDecode("%4", out));
    EXPECT_FALSE(PercentDecode("%G1", out));
}

TEST(ParseQueryTest, DecodesPairsAndKeepsTheFirstValue) {
    auto q = ParseQuery("limit=10&userId=al%40ice&name=a+b&limit=99&flag&empty=");
    EXPECT_EQ(q.at("limit"), "10");
    EXPECT_EQ(q.at("userId"), "al@ice");
    EXPECT_EQ(q.at("name"), "a b");
    EXPECT_EQ(q.at("flag"), "");
    EXPECT_EQ(q.at("empty"), "");
    EXPECT_EQ(q.size(), 5u);
}

TEST(ParseQueryTest, EmptyAndDegenerateQueries) {
    EXPECT_TRUE(ParseQuery("").empty());
    EXPECT_TRUE(ParseQuery("&&").empty());
    auto q = ParseQuery("stageArn=arn%3Aaws%3Aivs%3Aus-east-1%3A1%3Astage%2Fx");
    EXPECT_EQ(q.at("stageArn"), "arn:aws:ivs:us-east-1:1:stage/x");
}

}  // namespace
}  // namespace ivs::http
