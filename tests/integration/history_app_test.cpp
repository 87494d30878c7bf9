// The whole app in-process: history endpoints, validation, health, snapshots and crash
// recovery of sessions left open by a previous process.

#include <gtest/gtest.h>

#include "../contract/history_test_util.hpp"
#include "adapters/history/sqlite/sqlite_history_store.hpp"
#include "core/time_format.hpp"

namespace ivs::test {
namespace {

namespace json = boost::json;
const std::string kArn = "arn:aws:ivs:us-east-1:123456789012:stage/AppHistory01";

json::array InvalidFieldsOf(const HttpResponse& r) {
    auto v = r.Json();
    EXPECT_EQ(v.at("success"), false) << r.body;
    EXPECT_EQ(v.at("error").at("code"), "VALIDATION_ERROR") << r.body;
    return v.at("error").at("details").at("invalidFields").as_array();
}

TEST(HistoryApp, EndpointsValidateTheirInput) {
    TestServer server;
    auto r = server.Get("/api/viewer/history/bad%20user");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(InvalidFieldsOf(r), json::array({"userId"}));
    for (const char* limit : {"0", "101", "abc", "5x"}) {
        r = server.Get(std::string("/api/viewer/history/u1?limit=") + limit);
        EXPECT_EQ(r.status, 400u) << limit;
        EXPECT_EQ(InvalidFieldsOf(r), json::array({"limit"}));
    }
    r = server.Get("/api/viewer/history/u1?cursor=garbage");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(InvalidFieldsOf(r), json::array({"cursor"}));

    r = server.Get("/api/viewer/stats/not-an-arn");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(InvalidFieldsOf(r), json::array({"stageArn"}));
    r = server.Get("/api/viewer/stats/" + kArn + "?days=0");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(InvalidFieldsOf(r), json::array({"days"}));

    r = server.Get("/api/stats/timeseries?from=yesterday");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(InvalidFieldsOf(r), json::array({"from"}));
    r = server.Get(
        "/api/stats/timeseries?from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(InvalidFieldsOf(r), json::array({"from", "to"}));
    r = server.Get(
        "/api/stats/timeseries?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z&step=1s");
    EXPECT_EQ(r.status, 400u);  // 86400 buckets
    EXPECT_EQ(InvalidFieldsOf(r), json::array({"step"}));
    r = server.Get("/api/stats/timeseries?step=0");
    EXPECT_EQ(r.status, 400u);
    r = server.Get("/api/stats/timeseries?stageArn=nope");
    EXPECT_EQ(InvalidFieldsOf(r), json::array({"stageArn"}));

    r = server.Get("/api/viewer/history/u1", {{"x-no-auth", "1"}});
    EXPECT_EQ(r.status, 401u);
}

TEST(HistoryApp, EmptyAnswersHaveTheSeedShapes) {
    TestServer server;
    auto r = server.Get("/api/viewer/history/nobody@example.com?limit=5");
    ASSERT_EQ(r.status, 200u) << r.body;
    auto d = r.Json().at("data");
    EXPECT_EQ(d.at("userId"), "nobody@example.com");
    EXPECT_EQ(d.at("totalRecords"), 0);
    EXPECT_TRUE(d.at("history").as_array().empty());
    EXPECT_FALSE(d.as_object().contains("nextCursor"));

    r = server.Get("/api/viewer/stats/" + kArn);
    ASSERT_EQ(r.status, 200u) << r.body;
    d = r.Json().at("data");
    EXPECT_EQ(d.at("days"), 7);
    EXPECT_EQ(d.at("stats").at("totalViews"), 0);
    EXPECT_EQ(d.at("stats").at("stageArn"), json::value(kArn));

    r = server.Get("/api/stats/timeseries?from=2025-01-01T00:00:00Z&to=2025-01-01T01:00:00Z&step=5m");
    ASSERT_EQ(r.status, 200u) << r.body;
    d = r.Json().at("data");
    EXPECT_EQ(d.at("stepSeconds"), 300);
    EXPECT_TRUE(d.at("points").as_array().empty());
    EXPECT_TRUE(d.at("stageArn").is_null());

    r = server.Get("/api/health");
    auto hs = r.Json().at("data").at("services").at("historyStore");
    EXPECT_EQ(hs.at("status"), "up") << r.body;
    EXPECT_EQ(hs.at("adapter"), "sqlite");
}

TEST(HistoryApp, RestartClosesSessionsLeftOpenAtTheirLastHeartbeatOnce) {
    TempDir data;
    auto joined = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) -
                  std::chrono::hours(1);
    {
        adapters::history::SqliteHistoryStore store({data.path() + "/ivs.db"});
        ports::HistoryBatch b;
        b.events = {Started("crashed-1", "viewer-1", kArn, joined),
                    Started("crashed-2", "viewer-1", kArn, joined + std::chrono::minutes(1)),
                    Ended("done", "viewer-1", kArn, joined, joined + std::chrono::seconds(5))};
        b.heartbeats = {{"crashed-1", joined + std::chrono::seconds(90)}};
        ASSERT_TRUE(store.ApplySync(b));
    }
    auto history = [](TestServer& s) {
        auto r = s.Get("/api/viewer/history/viewer-1?limit=10");
        EXPECT_EQ(r.status, 200u) << r.body;
        return r.Json().at("data");
    };
    auto all_closed = [](const json::value& d) {
        for (const auto& row : d.at("history").as_array()) {
            if (row.at("leftAt").is_null()) return false;
        }
        return true;
    };
    json::value first;
    {
        TestServer server(Environment{{"DATA_DIR", data.path()}});
        ASSERT_TRUE(WaitUntil([&] {
            first = history(server);
            return all_closed(first);
        }));
    }
    ASSERT_EQ(first.at("totalRecords"), 3);
    std::map<std::string, json::value> by_id;
    for (const auto& row : first.at("history").as_array()) {
        by_id[std::string(row.at("sessionId").as_string())] = row;
    }
    EXPECT_EQ(by_id["crashed-1"].at("leftAt"),
              json::value(FormatIso8601Millis(joined + std::chrono::seconds(90))));
    EXPECT_EQ(by_id["crashed-1"].at("watchDurationSeconds"), 90);
    EXPECT_EQ(by_id["crashed-2"].at("watchDurationSeconds"), 0);  // no heartbeat after join
    EXPECT_EQ(by_id["done"].at("watchDurationSeconds"), 5);

    TestServer again(Environment{{"DATA_DIR", data.path()}});
    auto second = history(again);
    EXPECT_EQ(second, first);
}

TEST(HistoryApp, SnapshotsAppearInTheTimeseries) {
    TestServer server(Environment{{"SNAPSHOT_INTERVAL_SECONDS", "1"}});
    json::value d;
    bool seen = WaitUntil(
        [&] {
            auto r = server.Get("/api/stats/timeseries?step=1m");
            if (r.status != 200) return false;
            d = r.Json().at("data");
            return !d.at("points").as_array().empty();
        },
        std::chrono::seconds(15), std::chrono::milliseconds(200));
    ASSERT_TRUE(seen) << "no snapshot written";
    auto p = d.at("points").as_array().at(0);
    EXPECT_GE(p.at("samples").as_int64(), 1);
    EXPECT_GE(p.at("maxViewers").as_int64(), 0);
}

}  // namespace
}  // namespace ivs::test
