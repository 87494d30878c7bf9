// Stage, stats and EventBridge endpoints over real HTTP, and the autoscaler, against the whole
// app in embedded mode (in-process IVS emulator, memory hot store).

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "adapters/ivs/emulator.hpp"
#include "live_publisher.hpp"
#include "test_support.hpp"

namespace ivs {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using test::HttpResponse;
using test::TestServer;
using test::WaitUntil;

std::string Encode(const std::string& arn) {
    std::string out;
    for (char c : arn) {
        if (c == ':') out += "%3A";
        else if (c == '/') out += "%2F";
        else out += c;
    }
    return out;
}

std::string Id(const char* prefix, int i) {
    std::string id = prefix;
    id.append(std::to_string(i));
    return id;
}

std::string Str(const json::value& v) { return v.is_string() ? std::string(v.get_string()) : "?"; }

json::object Data(const HttpResponse& r) { return r.Json().as_object().at("data").as_object(); }
std::string Code(const HttpResponse& r) {
    return std::string(r.Json().as_object().at("error").as_object().at("code").as_string());
}

std::string MasterArn(TestServer& s) {
    std::string arn;
    EXPECT_TRUE(WaitUntil([&] {
        auto r = s.Get("/api/stage/master/info");
        if (r.status != 200) return false;
        arn = std::string(Data(r).at("stage").as_object().at("arn").as_string());
        return true;
    }));
    return arn;
}

json::array StageList(TestServer& s) {
    auto r = s.Get("/api/stage/list");
    EXPECT_EQ(r.status, 200u) << r.body;
    return Data(r).at("stages").as_array();
}

json::object Event(const std::string& id, const std::string& name, const std::string& stage,
                   const std::string& participant) {
    return json::object{{"version", "0"},
                        {"id", id},
                        {"detail-type", "IVS Stage Update"},
                        {"source", "aws.ivs"},
                        {"account", "123456789012"},
                        {"time", "2030-01-01T00:00:00Z"},
                        {"region", "us-east-1"},
                        {"resources", json::array{json::string(stage)}},
                        {"detail",
                         {{"session_id", "st-abc"},
                          {"event_name", name},
                          {"event_time", "2030-01-01T00:00:00Z"},
                          {"user_id", "broadcaster-alice"},
                          {"participant_id", participant}}}};
}

int SumOfStages(const json::object& stats) {
    int sum = 0;
    for (const auto& s : stats.at("stages").as_array()) {
        sum += static_cast<int>(s.as_object().at("viewerCount").as_int64());
    }
    return sum;
}

TEST(StagesHttp, StageEndpointsWithTheirErrors) {
    TestServer s({{"SPARE_STAGES", "0"},
                  {"MAX_STAGES", "4"},
                  {"API_KEYS", "reader:read:reader-secret-1,app:app:app-secret-123"}});
    const std::string master = MasterArn(s);
    ASSERT_FALSE(master.empty());
    auto emu = s.emulator();
    ASSERT_TRUE(emu);
    // An unrelated stage in the same account: never ours.
    auto unrelated = emu->CreateStage({"someone-else", {{"Team", "other"}}});
    ASSERT_TRUE(unrelated);

    auto list = StageList(s);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].as_object().at("stageArn").as_string(), master);
    EXPECT_TRUE(list[0].as_object().at("isMasterStage").as_bool());

    auto info = s.Get("/api/stage/master/info");
    EXPECT_TRUE(Data(info).at("isMasterStage").as_bool());
    EXPECT_EQ(Data(info).at("viewerCount").as_int64(), 0);
    EXPECT_TRUE(Data(info).at("stage").as_object().contains("endpoints"));

    // POST /api/stage: validation, access, our tags win.
    EXPECT_EQ(s.Post("/api/stage", json::object{}).status, 400u);
    auto missing = s.Post("/api/stage", json::object{});
    EXPECT_EQ(Code(missing), "VALIDATION_ERROR");
    EXPECT_EQ(missing.Json().at("error").at("details").at("missingFields").as_array()[0], "name");
    auto bad = s.Post("/api/stage", json::object{{"name", "bad name!"}});
    EXPECT_EQ(bad.status, 400u);
    EXPECT_TRUE(bad.Json().at("error").at("details").as_object().contains("invalidFields"));
    EXPECT_EQ(s.Post("/api/stage", json::object{{"name", "x"}, {"tags", "nope"}}).status, 400u);
    EXPECT_EQ(s.Post("/api/stage", json::object{{"name", "x"}}, {{"x-no-auth", "1"}}).status, 401u);
    EXPECT_EQ(s.Post("/api/stage", json::object{{"name", "x"}}, {{"x-api-key", "reader-secret-1"}})
                  .status,
              403u);
    HttpResponse created;
    ASSERT_TRUE(WaitUntil([&] {  // 503 only until the registry has finished starting
        created = s.Post("/api/stage", json::object{{"name", "api-stage"},
                                                    {"tags", {{"ManagedBy", "me"}, {"Team", "a"}}}});
        return created.status != 503;
    }));
    ASSERT_EQ(created.status, 201u) << created.body;
    auto stage = Data(created).at("stage").as_object();
    const std::string arn(stage.at("arn").as_string());
    EXPECT_EQ(stage.at("tags").at("ManagedBy"), "ivs-server");
    EXPECT_EQ(stage.at("tags").at("Deployment"), "default");
    EXPECT_EQ(stage.at("tags").at("Team"), "a");
    EXPECT_EQ(StageList(s).size(), 2u);

    // GET /api/stage/:arn, encoded and raw; unmanaged and malformed.
    auto got = s.Get("/api/stage/" + Encode(arn));
    ASSERT_EQ(got.status, 200u) << got.body;
    EXPECT_EQ(Data(got).at("viewerCount").as_int64(), 0);
    EXPECT_EQ(s.Get("/api/stage/" + arn).status, 200u);
    EXPECT_EQ(s.Get("/api/stage/" + arn, {{"x-api-key", "reader-secret-1"}}).status, 200u);
    auto foreign = s.Get("/api/stage/" + Encode(unrelated->arn));
    EXPECT_EQ(foreign.status, 404u);
    EXPECT_EQ(Code(foreign), "NOT_FOUND");
    EXPECT_EQ(s.Get("/api/stage/not-an-arn").status, 400u);

    // PUT renames.
    auto put = s.Put("/api/stage/" + Encode(arn), json::object{{"name", "renamed"}});
    ASSERT_EQ(put.status, 200u) << put.body;
    EXPECT_EQ(Data(put).at("stage").at("name"), "renamed");
    EXPECT_EQ(s.Put("/api/stage/" + Encode(arn), json::object{{"name", 5}}).status, 400u);
    EXPECT_EQ(s.Put("/api/stage/" + Encode(unrelated->arn), json::object{{"name", "y"}}).status,
              404u);

    // MAX_STAGES=4: master + 3.
    ASSERT_EQ(s.Post("/api/stage", json::object{{"name", "api-2"}}).status, 201u);
    ASSERT_EQ(s.Post("/api/stage", json::object{{"name", "api-3"}}).status, 201u);
    auto limit = s.Post("/api/stage", json::object{{"name", "api-4"}});
    EXPECT_EQ(limit.status, 503u);
    EXPECT_EQ(Code(limit), "STAGE_LIMIT_REACHED");

    // DELETE: master 403, unmanaged 404, with viewers 400, then 200.
    auto del_master = s.Delete("/api/stage/" + Encode(master));
    EXPECT_EQ(del_master.status, 403u);
    EXPECT_EQ(Code(del_master), "FORBIDDEN");
    EXPECT_EQ(s.Delete("/api/stage/" + Encode(unrelated->arn)).status, 404u);
    EXPECT_TRUE(emu->GetStage(unrelated->arn));

    // A live publisher (WHIP into the master), then a viewer in the stage.
    auto publisher = test::PublishLive(s);
    ASSERT_TRUE(publisher->live()) << publisher->error();
    auto viewer = s.Post("/api/token/viewer", json::object{{"userId", "v1"}, {"stageArn", arn}});
    ASSERT_EQ(viewer.status, 200u) << viewer.body;
    auto busy = s.Delete("/api/stage/" + Encode(arn));
    EXPECT_EQ(busy.status, 400u);
    EXPECT_EQ(Code(busy), "VALIDATION_ERROR");
    EXPECT_EQ(busy.Json().at("error").at("details").at("viewerCount").as_int64(), 1);
    ASSERT_EQ(s.Post("/api/viewer/leave", json::object{{"userId", "v1"}, {"stageArn", arn}}).status,
              200u);
    auto del = s.Delete("/api/stage/" + Encode(arn));
    ASSERT_EQ(del.status, 200u) << del.body;
    EXPECT_TRUE(Data(del).at("deleted").as_bool());
    EXPECT_EQ(s.Get("/api/stage/" + Encode(arn)).status, 404u);
    EXPECT_FALSE(emu->GetStage(arn));
    EXPECT_EQ(s.Delete("/api/stage/" + Encode(arn), nullptr, {{"x-api-key", "app-secret-123"}})
                  .status,
              403u);

    // The unrelated stage was never listed, counted or deleted.
    for (const auto& st : StageList(s)) EXPECT_NE(st.at("stageArn").as_string(), unrelated->arn);
    EXPECT_TRUE(emu->GetStage(unrelated->arn));
}

TEST(StagesHttp, ReplicationEndpointsAndFanOut) {
    // Fan-out reconciles on publisher changes; no periodic tick undoes the manual stop below.
    TestServer s({{"SPARE_STAGES", "0"}, {"MAX_STAGES", "3"}, {"AUTOSCALE_INTERVAL_SECONDS", "3600"}});
    const std::string master = MasterArn(s);
    HttpResponse created;
    ASSERT_TRUE(WaitUntil([&] {
        created = s.Post("/api/stage", json::object{{"name", "fan-1"}});
        return created.status != 503;
    }));
    ASSERT_EQ(created.status, 201u);
    const std::string dest(Data(created).at("stage").at("arn").as_string());

    auto info = s.Get("/api/stage/replication/publisher-info");
    ASSERT_EQ(info.status, 200u);
    EXPECT_FALSE(Data(info).at("hasPublisher").as_bool());
    auto status = s.Get("/api/stage/replication/status/" + Encode(dest));
    ASSERT_EQ(status.status, 200u);
    EXPECT_FALSE(Data(status).at("hasReplication").as_bool());

    // The publisher goes live: fan-out replicates it to the other managed stage.
    auto publisher = test::PublishLive(s);
    ASSERT_TRUE(publisher->live()) << publisher->error();
    const std::string pid = publisher->participant_id();
    info = s.Get("/api/stage/replication/publisher-info");
    EXPECT_TRUE(Data(info).at("hasPublisher").as_bool());
    EXPECT_EQ(Str(Data(info).at("publisherInfo").at("participantId")), pid);
    EXPECT_TRUE(WaitUntil([&] {
        auto r = s.Get("/api/stage/replication/status/" + Encode(dest));
        return r.status == 200 && Data(r).at("hasReplication").as_bool() &&
               Data(r).at("replicationInfo").at("active").as_bool();
    }));
    auto emu = s.emulator();
    EXPECT_EQ(emu->ListParticipantReplicas(master, pid, "", 50)->items.size(), 1u);

    // Manual stop and start, with validation.
    json::object body{{"sourceStageArn", master}, {"destinationStageArn", dest}, {"participantId", pid}};
    auto stop_missing = s.Delete("/api/stage/replication/stop", json::object{{"participantId", pid}});
    EXPECT_EQ(stop_missing.status, 400u);
    EXPECT_EQ(stop_missing.Json().at("error").at("details").at("missingFields").as_array().size(), 2u);
    auto stopped = s.Delete("/api/stage/replication/stop", body);
    ASSERT_EQ(stopped.status, 200u) << stopped.body;
    EXPECT_TRUE(Data(stopped).contains("stoppedAt"));
    EXPECT_TRUE(emu->ListParticipantReplicas(master, pid, "", 50)->items.empty());
    auto started = s.Post("/api/stage/replication/start", body);
    ASSERT_EQ(started.status, 200u) << started.body;
    EXPECT_EQ(Str(Data(started).at("participantId")), pid);
    EXPECT_EQ(emu->ListParticipantReplicas(master, pid, "", 50)->items.size(), 1u);
    json::object bad_arn = body;
    bad_arn["destinationStageArn"] = "nope";
    EXPECT_EQ(s.Post("/api/stage/replication/start", bad_arn).status, 400u);
    auto foreign = emu->CreateStage({"foreign", {}});
    json::object unmanaged = body;
    unmanaged["destinationStageArn"] = foreign->arn;
    EXPECT_EQ(s.Post("/api/stage/replication/start", unmanaged).status, 404u);
    EXPECT_EQ(s.Post("/api/stage/replication/start", body, {{"x-no-auth", "1"}}).status, 401u);

    // Deleting the fan-out stage stops its replication.
    ASSERT_EQ(s.Delete("/api/stage/" + Encode(dest)).status, 200u);
    EXPECT_TRUE(emu->ListParticipantReplicas(master, pid, "", 50)->items.empty());
    status = s.Get("/api/stage/replication/status/" + Encode(dest));
    EXPECT_FALSE(Data(status).at("hasReplication").as_bool());
}

TEST(StagesHttp, EventBridgeEventsMakeThePublisherLiveAndOffline) {
    TestServer s({{"SPARE_STAGES", "0"},
                  {"API_KEYS", "reader:read:reader-secret-1,app:app:app-secret-123"}});
    const std::string master = MasterArn(s);
    auto live = [&] { return Data(s.Get("/api/stats/publisher")).at("isPublisherLive").as_bool(); };
    EXPECT_FALSE(live());
    // No live publisher: viewer tokens are refused (REQUIRE_LIVE_PUBLISHER default).
    EXPECT_EQ(s.Post("/api/token/viewer", json::object{{"userId", "early"}}).status, 404u);

    auto post = [&](const json::object& e, std::map<std::string, std::string> h = {}) {
        return s.Post("/api/events/ivs", e, std::move(h));
    };
    EXPECT_EQ(post(Event("e1", "Participant Published", master, "p1"), {{"x-no-auth", "1"}}).status,
              401u);
    EXPECT_EQ(post(Event("e1", "Participant Published", master, "p1"),
                   {{"x-api-key", "reader-secret-1"}})
                  .status,
              403u);
    EXPECT_EQ(post(json::object{{"hello", "world"}}).status, 400u);
    auto malformed = s.Call("POST", "/api/events/ivs", "{not json",
                            {{"content-type", "application/json"}});
    EXPECT_EQ(malformed.status, 400u);

    auto applied = post(Event("e1", "Participant Published", master, "p1"),
                        {{"x-api-key", "app-secret-123"}});
    ASSERT_EQ(applied.status, 200u) << applied.body;
    EXPECT_EQ(Data(applied).at("outcome"), "applied");
    EXPECT_TRUE(live());
    EXPECT_EQ(Data(post(Event("e1", "Participant Published", master, "p1"))).at("outcome"),
              "duplicate");
    EXPECT_EQ(Data(post(Event("e2", "Participant Unpublished",
                              "arn:aws:ivs:us-east-1:123456789012:stage/otherStage1", "p1")))
                  .at("outcome"),
              "ignored");
    auto other_type = Event("e3", "Recording Start", master, "p1");
    other_type["detail-type"] = "IVS Participant Recording State Change";
    EXPECT_EQ(Data(post(other_type)).at("outcome"), "ignored");
    EXPECT_TRUE(live());
    auto viewer = s.Post("/api/token/viewer", json::object{{"userId", "v1"}});
    EXPECT_EQ(viewer.status, 200u) << viewer.body;

    auto unpublished = Event("e4", "Participant Unpublished", master, "p1");
    unpublished["detail"].as_object()["event_time"] = "2030-01-01T00:05:00Z";
    EXPECT_EQ(Data(post(unpublished)).at("outcome"), "applied");
    EXPECT_FALSE(live());
    EXPECT_EQ(s.Post("/api/token/viewer", json::object{{"userId", "v2"}}).status, 404u);
}

TEST(StagesHttp, StatsAreConsistentAndOnlyManaged) {
    TestServer s(Environment{{"SPARE_STAGES", "1"}});
    const std::string master = MasterArn(s);
    auto publisher = test::PublishLive(s);
    ASSERT_TRUE(publisher->live()) << publisher->error();
    ASSERT_TRUE(WaitUntil([&] { return StageList(s).size() == 2; }));  // master + spare
    auto emu = s.emulator();
    auto foreign = emu->CreateStage({"foreign", {}});
    for (int i = 0; i < 7; ++i) {
        ASSERT_EQ(s.Post("/api/token/viewer", json::object{{"userId", Id("v", i)}})
                      .status,
                  200u);
    }
    auto stats = Data(s.Get("/api/stats"));
    EXPECT_EQ(stats.at("totalViewers").as_int64(), 7);
    EXPECT_EQ(SumOfStages(stats), 7);
    EXPECT_EQ(stats.at("stages").as_array().size(), 2u);
    EXPECT_TRUE(stats.at("isPublisherLive").as_bool());
    EXPECT_EQ(Data(s.Get("/api/stats/viewers")).at("totalViewers").as_int64(), 7);
    auto stages = Data(s.Get("/api/stats/stages"));
    EXPECT_EQ(stages.at("totalStages").as_int64(), 2);
    EXPECT_EQ(SumOfStages(stages), 7);
    for (const auto& st : stages.at("stages").as_array()) {
        EXPECT_NE(st.at("stageArn").as_string(), foreign->arn);
    }

    auto one = Data(s.Get("/api/stats/stages?arn=" + Encode(master)));
    EXPECT_EQ(Str(one.at("stageArn")), master);
    EXPECT_TRUE(one.at("stageInfo").is_object());
    auto other = Data(s.Get("/api/stats/stages?arn=" + Encode(foreign->arn)));
    EXPECT_EQ(other.at("viewerCount").as_int64(), 0);
    EXPECT_TRUE(other.at("stageInfo").is_null());
    EXPECT_EQ(s.Get("/api/stats/stages?arn=junk").status, 400u);

    const std::string id = master.substr(master.rfind('/') + 1);
    auto by_id = s.Get("/api/stats/stages/" + id);
    ASSERT_EQ(by_id.status, 200u) << by_id.body;
    EXPECT_EQ(Str(Data(by_id).at("stageArn")), master);
    EXPECT_EQ(Str(Data(by_id).at("stageId")), id);
    auto with_colon = s.Get("/api/stats/stages/" + Encode(master));
    EXPECT_EQ(with_colon.status, 400u);
    EXPECT_EQ(Code(with_colon), "VALIDATION_ERROR");
    EXPECT_EQ(s.Get("/api/stats", {{"x-no-auth", "1"}}).status, 401u);
}

TEST(StagesHttp, AutoscalerScalesUpWithJoinsAndDrainsBackAfterSilence) {
    TestServer s({{"STAGE_CAPACITY", "4"},
                  {"SCALE_UP_THRESHOLD", "3"},
                  {"SCALE_DOWN_THRESHOLD", "0"},
                  {"SPARE_STAGES", "1"},
                  {"MAX_STAGES", "5"},
                  {"AUTOSCALE_INTERVAL_SECONDS", "1"},
                  {"STAGE_WARMUP_SECONDS", "1"},
                  {"DRAIN_TIMEOUT_SECONDS", "2"},
                  {"HEARTBEAT_TIMEOUT_SECONDS", "3"}});
    MasterArn(s);
    auto publisher = test::PublishLive(s);
    ASSERT_TRUE(publisher->live()) << publisher->error();
    ASSERT_TRUE(WaitUntil([&] { return StageList(s).size() == 2; }));
    for (int i = 0; i < 12; ++i) {
        auto r = s.Post("/api/token/viewer", json::object{{"userId", Id("v", i)}});
        ASSERT_EQ(r.status, 200u) << r.body;
    }
    // 12 viewers at threshold 3: demand 4 stages + 1 spare, capped at MAX_STAGES=5.
    ASSERT_TRUE(WaitUntil([&] { return StageList(s).size() == 5; }, 15s));
    auto stats = Data(s.Get("/api/stats"));
    EXPECT_EQ(stats.at("totalViewers").as_int64(), 12);
    EXPECT_EQ(SumOfStages(stats), 12);
    for (const auto& st : stats.at("stages").as_array()) {
        EXPECT_LE(st.at("viewerCount").as_int64(), 4);
    }
    // Silence: sessions expire, stages drain and go, back to master + 1 spare.
    ASSERT_TRUE(WaitUntil(
        [&] {
            auto st = Data(s.Get("/api/stats"));
            return st.at("totalViewers").as_int64() == 0 && st.at("stages").as_array().size() == 2;
        },
        30s, 200ms));
    int masters = 0;
    for (const auto& st : StageList(s)) masters += st.at("isMasterStage").as_bool() ? 1 : 0;
    EXPECT_EQ(masters, 1);
    auto emu = s.emulator();
    EXPECT_EQ(emu->ListStages("", 100)->items.size(), 2u);
}

// The defaults (replication fan-out, STAGE_CAPACITY 50): the publisher reaches the master and
// five replicas, so a 500-join burst seats exactly 300 and refuses the rest with
// STAGE_LIMIT_REACHED; nobody lands on a stage the publisher cannot reach.
TEST(StagesHttp, FiveHundredViewersThirtyTwoAtATimeFillTheReplicatedStagesThenAreRefused) {
    TestServer s(Environment{{"IO_THREADS", "2"}});
    MasterArn(s);
    auto publisher = test::PublishLive(s);
    ASSERT_TRUE(publisher->live()) << publisher->error();
    std::atomic<int> next{0}, ok{0}, limit{0};
    std::vector<std::string> failures;
    std::mutex mu;
    std::vector<std::thread> workers;
    for (int w = 0; w < 32; ++w) {
        workers.emplace_back([&] {
            for (int i = next++; i < 500; i = next++) {
                auto r = s.Post("/api/token/viewer", json::object{{"userId", Id("viewer-", i)}});
                if (r.status == 200) {
                    ++ok;
                } else if (r.status == 503 && r.body.find("STAGE_LIMIT_REACHED") != std::string::npos) {
                    ++limit;
                } else {
                    std::lock_guard lock(mu);
                    failures.push_back(std::to_string(r.status) + " " + r.body);
                }
            }
        });
    }
    for (auto& t : workers) t.join();
    EXPECT_TRUE(failures.empty()) << failures.front();
    EXPECT_EQ(ok.load(), 300);
    EXPECT_EQ(limit.load(), 200);
    auto stats = Data(s.Get("/api/stats"));
    EXPECT_EQ(stats.at("totalViewers").as_int64(), 300);
    EXPECT_EQ(SumOfStages(stats), 300);
    for (const auto& st : stats.at("stages").as_array()) {
        EXPECT_LE(st.at("viewerCount").as_int64(), 50);
    }
    EXPECT_LE(stats.at("stages").as_array().size(), 6u);
}

}  // namespace
}  // namespace ivs
