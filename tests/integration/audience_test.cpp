// The audience endpoints over real HTTP against the whole app (embedded mode: memory hot store,
// in-process IVS emulator, self-signed tokens).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "live_publisher.hpp"
#include "test_support.hpp"

namespace ivs::test {
namespace {

namespace json = boost::json;

constexpr const char* kAppKey = "app-key-0123456789abcdef";
constexpr const char* kReadKey = "read-key-0123456789abcdef";
constexpr const char* kInternal = "internal-secret-xyz";
const std::string kUnknownStage = "arn:aws:ivs:us-east-1:123456789012:stage/doesNotExist1";

Environment Env(Environment extra = {}) {
    Environment env{{"API_KEYS", std::string("app1:app:") + kAppKey + ",reader:read:" + kReadKey}};
    for (auto& [k, v] : extra) env[k] = v;
    return env;
}

std::map<std::string, std::string> App() { return {{"x-api-key", kAppKey}}; }
std::map<std::string, std::string> Bearer(const std::string& token) {
    return {{"authorization", "Bearer " + token}};
}

json::object Data(const HttpResponse& r) {
    auto v = r.Json();
    return v.as_object().at("data").as_object();
}
std::string ErrorCode(const HttpResponse& r) {
    return std::string(r.Json().as_object().at("error").as_object().at("code").as_string());
}
json::object ErrorDetails(const HttpResponse& r) {
    const json::value v = r.Json();
    const auto& e = v.as_object().at("error").as_object();
    return e.contains("details") ? e.at("details").as_object() : json::object{};
}
std::string Str(const json::object& o, const char* key) { return std::string(o.at(key).as_string()); }

// The master stage once the stage wiring registered it (the publisher token targets it).
std::string WaitForMaster(TestServer& s) {
    std::string arn;
    EXPECT_TRUE(WaitUntil([&] {
        auto r = s.Post("/api/token/publisher", json::object{{"userId", "caster"}});
        if (r.status != 200) return false;
        arn = Str(Data(r), "stageArn");
        return true;
    }));
    return arn;
}

// The master stage, with a publisher live in it (WHIP through the emulator): what every
// viewer join needs with the default REQUIRE_LIVE_PUBLISHER=true.
std::string MasterWithPublisher(TestServer& s, std::unique_ptr<LivePublisher>& publisher) {
    const std::string master = WaitForMaster(s);
    publisher = PublishLive(s);
    EXPECT_TRUE(publisher->live()) << publisher->error();
    return master;
}

int ListCount(TestServer& s, const std::string& stage) {
    auto r = s.Get("/api/viewer/list/" + stage);
    if (r.status != 200) return -1;
    return static_cast<int>(Data(r).at("viewers").as_array().size());
}

json::object JoinOk(TestServer& s, const std::string& user, const std::string& stage = {}) {
    json::object body{{"userId", user}};
    if (!stage.empty()) body["stageArn"] = stage;
    auto r = s.Post("/api/token/viewer", body, App());
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.status == 200 ? Data(r) : json::object{};
}

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

// The acceptance: 500 viewer tokens, 32 at a time, with the default capacity,
// threshold and max stages, a publisher live in the master; all succeed and the counts agree.
// FANOUT_MODE=mediaserver has no replication ceiling: a 500-join burst fills ten stages.
TEST(AudienceHttp, FiveHundredJoinsThirtyTwoAtATimeWithAMediaServer) {
    TestServer s(Env({{"IO_THREADS", "4"}, {"FANOUT_MODE", "mediaserver"}}));
    std::unique_ptr<LivePublisher> publisher;
    MasterWithPublisher(s, publisher);
    std::atomic<int> next{0}, ok{0};
    std::mutex mu;
    std::vector<std::string> failures;
    std::vector<std::thread> threads;
    for (int t = 0; t < 32; ++t) {
        threads.emplace_back([&] {
            for (int i = next++; i < 500; i = next++) {
                auto r = s.Post("/api/token/viewer", json::object{{"userId", std::string("burst").append(std::to_string(i))}},
                                App());
                if (r.status == 200) {
                    ok++;
                } else {
                    std::lock_guard lock(mu);
                    failures.push_back(std::to_string(r.status) + " " + r.body);
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(ok.load(), 500) << (failures.empty() ? "" : failures.front());
    auto stats = s.Get("/api/stats");
    ASSERT_EQ(stats.status, 200u);
    auto d = Data(stats);
    int sum = 0;
    for (const auto& st : d.at("stages").as_array()) {
        const int n = static_cast<int>(st.as_object().at("viewerCount").as_int64());
        EXPECT_LE(n, 50);
        sum += n;
        EXPECT_EQ(ListCount(s, Str(st.as_object(), "stageArn")), n);
    }
    EXPECT_EQ(d.at("totalViewers").as_int64(), 500);
    EXPECT_EQ(sum, 500);
}

// Thousands of joins, moves and leaves on many threads: no stage ever holds more than its
// capacity and every seated user is counted exactly once.
TEST(AudienceHttp, ConcurrentJoinsMovesAndLeavesKeepTheInvariants) {
    constexpr int kCapacity = 30;
    TestServer s(Env({{"AUTOSCALE_ENABLED", "false"},
                      {"STAGE_CAPACITY", std::to_string(kCapacity)},
                      {"SCALE_UP_THRESHOLD", "25"},
                      {"SEAT_WAIT_SECONDS", "0"},
                      {"IO_THREADS", "4"}}));
    std::unique_ptr<LivePublisher> publisher;
    const std::string master = MasterWithPublisher(s, publisher);
    std::vector<std::string> stages{master};
    for (int i = 0; i < 3; ++i) {
        // 503 while the stage registry finishes its first reconciliation.
        HttpResponse r;
        WaitUntil([&] {
            r = s.Post("/api/stage",
                       json::object{{"name", std::string("extra-").append(std::to_string(i))}});
            return r.status != 503;
        });
        ASSERT_TRUE(r.status == 200 || r.status == 201) << r.body;
        auto d = Data(r);
        std::string arn = d.contains("stageArn") ? Str(d, "stageArn")
                                                 : Str(d.at("stage").as_object(), "arn");
        stages.push_back(arn);
    }
    std::atomic<int> over{0}, joined{0}, full{0}, other{0};
    std::mutex mu;
    std::string first_other;
    std::vector<std::thread> threads;
    constexpr int kThreads = 16;
    constexpr int kOps = 130;  // about 2,000 requests
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            unsigned seed = 77 + t;
            for (int i = 0; i < kOps; ++i) {
                seed = seed * 1103515245u + 12345u;
                const std::string user = std::string("c").append(std::to_string((seed >> 8) % 160));
                const int op = static_cast<int>((seed >> 4) % 10);
                HttpResponse r;
                if (op < 5) {
                    r = s.Post("/api/token/viewer", json::object{{"userId", user}}, App());
                } else if (op < 8) {
                    const auto& stage = stages[(seed >> 12) % stages.size()];
                    r = s.Post("/api/token/viewer", json::object{{"userId", user}, {"stageArn", stage}},
                               App());
                } else {
                    const auto& stage = stages[(seed >> 12) % stages.size()];
                    r = s.Post("/api/viewer/leave", json::object{{"userId", user}, {"stageArn", stage}},
                               App());
                }
                if (r.status == 200) {
                    if (op < 8) {
                        joined++;
                        if (Data(r).at("currentViewers").as_int64() > kCapacity) over++;
                    }
                } else if (r.status == 503) {
                    full++;
                } else {
                    other++;
                    std::lock_guard lock(mu);
                    if (first_other.empty()) first_other = r.body;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(other.load(), 0) << first_other;
    EXPECT_EQ(over.load(), 0);
    EXPECT_GT(joined.load(), 500);
    EXPECT_GT(full.load(), 0) << "160 users for 120 seats should fill the stages";

    // Every managed stage (the registry may also keep a spare one).
    auto all = s.Get("/api/stats");
    ASSERT_EQ(all.status, 200u);
    const json::object all_data = Data(all);
    std::vector<std::string> managed;
    for (const auto& st : all_data.at("stages").as_array()) {
        managed.push_back(Str(st.as_object(), "stageArn"));
    }
    std::set<std::string> seated;
    int total = 0;
    for (const auto& stage : managed) {
        auto r = s.Get("/api/viewer/list/" + stage);
        ASSERT_EQ(r.status, 200u);
        const json::object data = Data(r);
        const auto& viewers = data.at("viewers").as_array();
        EXPECT_LE(static_cast<int>(viewers.size()), kCapacity);
        total += static_cast<int>(viewers.size());
        for (const auto& v : viewers) {
            EXPECT_TRUE(seated.insert(std::string(v.as_string())).second) << "seated twice: " << v;
        }
    }
    EXPECT_EQ(static_cast<int>(seated.size()), total);
    auto stats = s.Get("/api/stats");
    ASSERT_EQ(stats.status, 200u);
    EXPECT_EQ(Data(stats).at("totalViewers").as_int64(), total);
}

// HEARTBEAT_TIMEOUT_SECONDS=3: only heartbeating viewers remain, then silence empties the stage.
TEST(AudienceHttp, SilentViewersTimeOut) {
    TestServer s(Env({{"HEARTBEAT_TIMEOUT_SECONDS", "3"},
                      {"AUTOSCALE_ENABLED", "false"}}));
    std::unique_ptr<LivePublisher> publisher;
    const std::string master = MasterWithPublisher(s, publisher);
    std::vector<std::string> tokens;
    for (int i = 0; i < 20; ++i) {
        auto d = JoinOk(s, std::string("hb").append(std::to_string(i)), master);
        tokens.push_back(Str(d, "sessionToken"));
    }
    EXPECT_EQ(ListCount(s, master), 20);
    auto beat = [&] {
        for (int i = 0; i < 10; ++i) {
            s.Post("/api/viewer/heartbeat",
                   json::object{{"userId", std::string("hb").append(std::to_string(i))}, {"stageArn", master}},
                   Bearer(tokens[i]));
        }
    };
    // The ten heartbeating viewers stay; the silent ten are ended by the sweeper.
    EXPECT_TRUE(WaitUntil(
        [&] {
            beat();
            return ListCount(s, master) == 10;
        },
        std::chrono::seconds(20), std::chrono::milliseconds(500)));
    auto list = s.Get("/api/viewer/list/" + master);
    std::set<std::string> users;
    const json::object list_data = Data(list);
    for (const auto& v : list_data.at("viewers").as_array()) {
        users.insert(std::string(v.as_string()));
    }
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(users.count(std::string("hb").append(std::to_string(i))));
    auto stats = s.Get("/api/stats");
    EXPECT_EQ(Data(stats).at("totalViewers").as_int64(), 10);
    // Silence: everyone goes.
    EXPECT_TRUE(WaitUntil([&] { return ListCount(s, master) == 0; }, std::chrono::seconds(20),
                          std::chrono::milliseconds(200)));
    auto late = s.Post("/api/viewer/heartbeat",
                       json::object{{"userId", "hb0"}, {"stageArn", master}}, Bearer(tokens[0]));
    EXPECT_EQ(late.status, 404u);
}

}  // namespace
}  // namespace ivs::test
