// The audience endpoints over real HTTP against the whole app (embedded mode: memory hot store,
// in-process IVS emulator, self-signed tokens).
#include <gtest/gtest.h>

#include "audience_support.hpp"

namespace ivs::test {
namespace {

namespace json = boost::json;
using namespace audience_http;

TEST(AudienceHttp, PublisherTokenHasTheRealLifetimeAndWhipInstructions) {
    TestServer s(Env());
    const std::string master = WaitForMaster(s);
    auto r = s.Post("/api/token/publisher", json::object{{"userId", "alice"}});
    ASSERT_EQ(r.status, 200u) << r.body;
    auto d = Data(r);
    EXPECT_EQ(Str(d, "userId"), "broadcaster-alice");
    EXPECT_EQ(Str(d, "stageArn"), master);
    EXPECT_EQ(d.at("capabilities").as_array(), (json::array{"PUBLISH"}));
    EXPECT_LE(d.at("expiresIn").as_int64(), 4 * 3600);
    EXPECT_GT(d.at("expiresIn").as_int64(), 4 * 3600 - 120);
    EXPECT_FALSE(Str(d, "token").empty());
    EXPECT_FALSE(Str(d, "participantId").empty());
    EXPECT_FALSE(Str(d, "expiresAt").empty());
    const std::string whip = Str(d, "whipEndpoint");
    // Embedded mode: the built-in emulator's own WHIP endpoint, where the token really publishes.
    EXPECT_EQ(whip.rfind("http://127.0.0.1:", 0), 0u) << whip;
    EXPECT_TRUE(whip.ends_with("/whip")) << whip;
    const auto& obs = d.at("instructions").as_object().at("obs").as_object();
    EXPECT_EQ(Str(obs, "service"), "WHIP");
    EXPECT_EQ(Str(obs, "server"), whip);

    auto missing = s.Post("/api/token/publisher", json::object{});
    EXPECT_EQ(missing.status, 400u);
    EXPECT_EQ(ErrorCode(missing), "VALIDATION_ERROR");
    EXPECT_EQ(ErrorDetails(missing).at("missingFields").as_array(), (json::array{"userId"}));
    auto wrong_type = s.Post("/api/token/publisher", json::object{{"userId", 42}});
    EXPECT_EQ(wrong_type.status, 400u);
    EXPECT_EQ(ErrorDetails(wrong_type).at("invalidFields").as_array(), (json::array{"userId"}));
    auto bad_chars = s.Post("/api/token/publisher", json::object{{"userId", "a b"}});
    EXPECT_EQ(bad_chars.status, 400u);
    auto too_long = s.Post("/api/token/publisher", json::object{{"userId", std::string(129, 'x')}});
    EXPECT_EQ(too_long.status, 400u);
    auto app_key = s.Post("/api/token/publisher", json::object{{"userId", "a"}}, App());
    EXPECT_EQ(app_key.status, 403u);
    auto no_key = s.Post("/api/token/publisher", json::object{{"userId", "a"}}, {{"x-no-auth", "1"}});
    EXPECT_EQ(no_key.status, 401u);
    auto malformed = s.Call("POST", "/api/token/publisher", "{nope", {});
    EXPECT_EQ(malformed.status, 400u);
    EXPECT_EQ(ErrorCode(malformed), "VALIDATION_ERROR");
}

TEST(AudienceHttp, ViewerTokensNeedALivePublisher) {
    TestServer s(Env());
    WaitForMaster(s);
    auto offline = s.Post("/api/token/viewer", json::object{{"userId", "v1"}}, App());
    EXPECT_EQ(offline.status, 404u) << offline.body;
    EXPECT_EQ(ErrorCode(offline), "NOT_FOUND");
    auto publisher = PublishLive(s);
    ASSERT_TRUE(publisher->live()) << publisher->error();
    auto joined = s.Post("/api/token/viewer", json::object{{"userId", "v1"}}, App());
    ASSERT_EQ(joined.status, 200u) << joined.body;
    auto d = Data(joined);
    EXPECT_LE(d.at("expiresIn").as_int64(), 3600);
    EXPECT_GT(d.at("expiresIn").as_int64(), 3600 - 120);

    // The broadcaster stops (IVS reports it unpublished): new viewers are refused again.
    publisher->Stop();
    EXPECT_TRUE(WaitUntil([&] {
        return !Data(s.Get("/api/stats/publisher")).at("isPublisherLive").as_bool();
    }));
    auto after = s.Post("/api/token/viewer", json::object{{"userId", "v2"}}, App());
    EXPECT_EQ(after.status, 404u) << after.body;
    EXPECT_EQ(ErrorCode(after), "NOT_FOUND");
}

// REQUIRE_LIVE_PUBLISHER=false is what lets a deployment seat viewers with nobody publishing.
TEST(AudienceHttp, WithoutRequireLivePublisherViewersAreSeatedWhileNobodyPublishes) {
    TestServer s(Env({{"REQUIRE_LIVE_PUBLISHER", "false"}}));
    const std::string master = WaitForMaster(s);
    EXPECT_FALSE(Data(s.Get("/api/stats/publisher")).at("isPublisherLive").as_bool());
    auto joined = JoinOk(s, "early-viewer");
    EXPECT_EQ(Str(joined, "stageArn"), master);
    EXPECT_EQ(ListCount(s, master), 1);
}

TEST(AudienceHttp, ViewerLifecycleWithSessionTokens) {
    TestServer s(Env());
    std::unique_ptr<LivePublisher> publisher;
    MasterWithPublisher(s, publisher);
    auto first = JoinOk(s, "viewer.one");
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(Str(first, "userId"), "viewer-viewer.one");
    EXPECT_EQ(first.at("capabilities").as_array(), (json::array{"SUBSCRIBE"}));
    EXPECT_TRUE(first.at("isNewViewer").as_bool());
    EXPECT_EQ(first.at("currentViewers").as_int64(), 1);
    EXPECT_EQ(first.at("heartbeatIntervalSeconds").as_int64(), 30);
    const std::string stage = Str(first, "stageArn");
    const std::string token1 = Str(first, "sessionToken");

    auto again = JoinOk(s, "viewer.one");
    EXPECT_FALSE(again.at("isNewViewer").as_bool());
    EXPECT_EQ(Str(again, "sessionId"), Str(first, "sessionId"));
    EXPECT_EQ(Str(again, "joinedAt"), Str(first, "joinedAt"));
    EXPECT_EQ(Str(again, "stageArn"), stage);
    EXPECT_NE(Str(again, "token"), Str(first, "token"));

    auto second = JoinOk(s, "viewer.two", stage);
    const std::string token2 = Str(second, "sessionToken");
    EXPECT_EQ(ListCount(s, stage), 2);

    json::object hb_body{{"userId", "viewer.one"}, {"stageArn", stage}};
    auto own = s.Post("/api/viewer/heartbeat", hb_body, Bearer(token1));
    EXPECT_EQ(own.status, 200u) << own.body;
    EXPECT_TRUE(Data(own).at("heartbeatUpdated").as_bool());
    auto others = s.Post("/api/viewer/heartbeat", hb_body, Bearer(token2));
    EXPECT_EQ(others.status, 403u);
    EXPECT_EQ(ErrorCode(others), "FORBIDDEN");
    auto forged = s.Post("/api/viewer/heartbeat", hb_body, Bearer(token1 + "x"));
    EXPECT_EQ(forged.status, 401u);
    auto none = s.Post("/api/viewer/heartbeat", hb_body, {{"x-no-auth", "1"}});
    EXPECT_EQ(none.status, 401u);
    auto with_key = s.Post("/api/viewer/heartbeat", hb_body, App());
    EXPECT_EQ(with_key.status, 200u);
    auto read_key = s.Post("/api/viewer/heartbeat", hb_body, {{"x-api-key", kReadKey}});
    EXPECT_EQ(read_key.status, 403u);
    // A session token is not an API key.
    auto token_for_tokens = s.Post("/api/token/viewer", json::object{{"userId", "viewer.one"}},
                                   Bearer(token1));
    EXPECT_EQ(token_for_tokens.status, 403u);

    auto duration = s.Get("/api/viewer/duration?userId=viewer.one&stageArn=" + stage);
    ASSERT_EQ(duration.status, 200u) << duration.body;
    EXPECT_GE(Data(duration).at("watchDurationSeconds").as_int64(), 0);
    EXPECT_NE(Str(Data(duration), "watchDurationFormatted").find('m'), std::string::npos);
    auto no_session = s.Get("/api/viewer/duration?userId=nobody&stageArn=" + stage);
    EXPECT_EQ(Data(no_session).at("watchDurationSeconds").as_int64(), 0);
    auto duration_missing = s.Get("/api/viewer/duration?userId=viewer.one");
    EXPECT_EQ(duration_missing.status, 400u);
    EXPECT_EQ(ErrorDetails(duration_missing).at("missingFields").as_array(),
              (json::array{"stageArn"}));

    auto others_leave = s.Post("/api/viewer/leave", hb_body, Bearer(token2));
    EXPECT_EQ(others_leave.status, 403u);
    auto leave = s.Post("/api/viewer/leave", hb_body, Bearer(token1));
    EXPECT_EQ(leave.status, 200u);
    EXPECT_TRUE(Data(leave).at("viewerLeft").as_bool());
    auto after = s.Post("/api/viewer/heartbeat", hb_body, Bearer(token1));
    EXPECT_EQ(after.status, 404u);
    EXPECT_EQ(ErrorCode(after), "NOT_FOUND");
    EXPECT_EQ(ListCount(s, stage), 1);
    auto leave_again = s.Post("/api/viewer/leave", hb_body, App());
    EXPECT_EQ(leave_again.status, 200u);
    // A fresh join after leaving is a new session; the old session token no longer works.
    auto back = JoinOk(s, "viewer.one", stage);
    EXPECT_TRUE(back.at("isNewViewer").as_bool());
    auto stale = s.Post("/api/viewer/heartbeat", hb_body, Bearer(token1));
    EXPECT_EQ(stale.status, 404u);
}

TEST(AudienceHttp, ViewerValidationAndUnknownStages) {
    TestServer s(Env());
    std::unique_ptr<LivePublisher> publisher;
    const std::string master = MasterWithPublisher(s, publisher);
    auto missing = s.Post("/api/token/viewer", json::object{}, App());
    EXPECT_EQ(missing.status, 400u);
    EXPECT_EQ(ErrorDetails(missing).at("missingFields").as_array(), (json::array{"userId"}));
    auto bad_arn = s.Post("/api/token/viewer",
                          json::object{{"userId", "u"}, {"stageArn", "not-an-arn"}}, App());
    EXPECT_EQ(bad_arn.status, 400u);
    EXPECT_EQ(ErrorDetails(bad_arn).at("invalidFields").as_array(), (json::array{"stageArn"}));
    auto unknown = s.Post("/api/token/viewer",
                          json::object{{"userId", "u"}, {"stageArn", kUnknownStage}}, App());
    EXPECT_EQ(unknown.status, 404u);
    auto list_unknown = s.Get("/api/viewer/list/" + kUnknownStage);
    EXPECT_EQ(list_unknown.status, 404u);
    auto list_bad = s.Get("/api/viewer/list/garbage");
    EXPECT_EQ(list_bad.status, 400u);
    auto list_encoded = s.Get("/api/viewer/list/arn%3Aaws%3Aivs%3Aus-east-1%3A123456789012%3Astage%2F" +
                              master.substr(master.rfind('/') + 1));
    EXPECT_EQ(list_encoded.status, 200u) << list_encoded.body;
    auto hb_missing = s.Post("/api/viewer/heartbeat", json::object{{"userId", "u"}}, App());
    EXPECT_EQ(hb_missing.status, 400u);
    EXPECT_EQ(ErrorDetails(hb_missing).at("missingFields").as_array(), (json::array{"stageArn"}));
    auto hb_none = s.Post("/api/viewer/heartbeat",
                          json::object{{"userId", "ghost"}, {"stageArn", master}}, App());
    EXPECT_EQ(hb_none.status, 404u);
    auto rejoin_missing = s.Post("/api/viewer/rejoin", json::object{{"userId", "u"}}, App());
    EXPECT_EQ(rejoin_missing.status, 400u);
    EXPECT_EQ(ErrorDetails(rejoin_missing).at("missingFields").as_array(),
              (json::array{"stageArn", "participantId"}));
    auto rejoin_unknown = s.Post(
        "/api/viewer/rejoin",
        json::object{{"userId", "u"}, {"stageArn", kUnknownStage}, {"participantId", "p1"}}, App());
    EXPECT_EQ(rejoin_unknown.status, 404u);
    auto list_read = s.Get("/api/viewer/list/" + master, {{"x-api-key", kReadKey}});
    EXPECT_EQ(list_read.status, 200u);
}

TEST(AudienceHttp, RejoinKeepsTheSessionAndRespectsCapacity) {
    TestServer s(Env({{"AUTOSCALE_ENABLED", "false"},
                      {"STAGE_CAPACITY", "2"},
                      {"SCALE_UP_THRESHOLD", "2"},
                      {"SCALE_DOWN_THRESHOLD", "1"},
                      {"SEAT_WAIT_SECONDS", "0"}}));
    std::unique_ptr<LivePublisher> publisher;
    const std::string master = MasterWithPublisher(s, publisher);
    json::object body{{"userId", "r1"}, {"stageArn", master}, {"participantId", "partA"}};
    auto first = s.Post("/api/viewer/rejoin", body, App());
    ASSERT_EQ(first.status, 200u) << first.body;
    EXPECT_TRUE(Data(first).at("isNewViewer").as_bool());
    EXPECT_FALSE(Str(Data(first), "sessionToken").empty());
    auto again = s.Post("/api/viewer/rejoin", body, App());
    ASSERT_EQ(again.status, 200u);
    EXPECT_FALSE(Data(again).at("isNewViewer").as_bool());
    EXPECT_EQ(Str(Data(again), "joinedAt"), Str(Data(first), "joinedAt"));
    JoinOk(s, "r2", master);
    body["userId"] = "r3";
    auto full = s.Post("/api/viewer/rejoin", body, App());
    EXPECT_EQ(full.status, 503u);
    EXPECT_EQ(ErrorCode(full), "STAGE_FULL");
    auto full_token = s.Post("/api/token/viewer",
                             json::object{{"userId", "r4"}, {"stageArn", master}}, App());
    EXPECT_EQ(full_token.status, 503u);
    EXPECT_EQ(ErrorCode(full_token), "STAGE_FULL");
    EXPECT_FALSE(full_token.Header("retry-after").empty());
    EXPECT_EQ(ListCount(s, master), 2);
}

TEST(AudienceHttp, MediaServerTokenIsClosedWithoutTheInternalSecret) {
    TestServer s(Env());
    const std::string master = WaitForMaster(s);
    json::object body{{"serverId", "relay1"}, {"stageArn", master}};
    auto closed = s.Post("/api/token/mediaserver", body, App());
    EXPECT_EQ(closed.status, 403u);
    auto closed_with_header = s.Post("/api/token/mediaserver", body,
                                     {{"x-api-key", kAppKey}, {"x-internal-secret", ""}});
    EXPECT_EQ(closed_with_header.status, 403u);
}

TEST(AudienceHttp, MediaServerTokenChecksTheSecretFirst) {
    TestServer s(Env({{"INTERNAL_SECRET", kInternal}}));
    const std::string master = WaitForMaster(s);
    auto wrong = s.Post("/api/token/mediaserver", json::object{},
                        {{"x-api-key", kAppKey}, {"x-internal-secret", "nope"}});
    EXPECT_EQ(wrong.status, 403u);  // before validation: the body is not even looked at
    EXPECT_EQ(ErrorCode(wrong), "FORBIDDEN");
    auto absent = s.Post("/api/token/mediaserver", json::object{}, App());
    EXPECT_EQ(absent.status, 403u);
    std::map<std::string, std::string> ok_headers{{"x-api-key", kAppKey},
                                                  {"x-internal-secret", kInternal}};
    auto missing = s.Post("/api/token/mediaserver", json::object{}, ok_headers);
    EXPECT_EQ(missing.status, 400u);
    EXPECT_EQ(ErrorDetails(missing).at("missingFields").as_array(),
              (json::array{"serverId", "stageArn"}));
    auto ok = s.Post("/api/token/mediaserver", json::object{{"serverId", "relay1"}, {"stageArn", master}},
                     ok_headers);
    ASSERT_EQ(ok.status, 200u) << ok.body;
    auto d = Data(ok);
    EXPECT_EQ(d.at("capabilities").as_array(), (json::array{"PUBLISH", "SUBSCRIBE"}));
    EXPECT_EQ(Str(d, "userId"), "media-server-relay1");
    EXPECT_LE(d.at("expiresIn").as_int64(), 4 * 3600);
}

}  // namespace
}  // namespace ivs::test
