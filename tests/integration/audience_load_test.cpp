// The audience endpoints under load against the whole app (embedded mode, a broadcaster live
// in the master): bursts of joins, concurrent joins, moves and leaves, heartbeat timeouts.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "audience_support.hpp"

namespace ivs::test {
namespace {

namespace json = boost::json;
using namespace audience_http;

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
