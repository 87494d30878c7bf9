// The product's default live path end to end, in embedded mode: a broadcaster publishes over
// WHIP into the master stage of the in-process IVS emulator; the server's events and its poll of
// IVS keep the broadcast live, fan-out replicates the publisher into every other managed stage,
// and when the broadcaster stops the broadcast goes offline and viewers are refused.

#include <gtest/gtest.h>

#include <set>

#include "adapters/ivs/emulator.hpp"
#include "live_publisher.hpp"
#include "test_support.hpp"

namespace ivs::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

json::object Data(const HttpResponse& r) { return r.Json().as_object().at("data").as_object(); }

// The participants IVS lists in the active session of `stage`.
std::vector<ports::ParticipantSummary> Participants(emulator::Emulator& emu,
                                                    const std::string& stage) {
    auto sessions = emu.ListStageSessions(stage, "", 50);
    if (!sessions) return {};
    for (const auto& s : sessions->items) {
        if (s.end_time) continue;
        ports::ListParticipantsRequest request;
        request.stage_arn = stage;
        request.session_id = s.session_id;
        auto page = emu.ListParticipants(request);
        if (page) return page->items;
    }
    return {};
}

// PUBLISHER_POLL_SECONDS=1 is the setting under test: many polls of IVS within the test.
TEST(PublisherLivePath, AWhipPublisherStaysLiveThroughPollsIsReplicatedAndGoesOfflineWhenItStops) {
    TestServer s(Environment{{"PUBLISHER_POLL_SECONDS", "1"}, {"SPARE_STAGES", "2"}});
    auto emu = s.emulator();
    ASSERT_TRUE(emu);
    auto publisher = PublishLive(s);
    ASSERT_TRUE(publisher->live()) << publisher->error();
    const std::string pid = publisher->participant_id();

    // Each poll that finds the publisher in IVS refreshes updatedAt; none may turn it off.
    std::set<std::string> confirmations;
    bool went_offline = false;
    EXPECT_TRUE(WaitUntil(
        [&] {
            auto info = Data(s.Get("/api/stage/replication/publisher-info"));
            if (!info.at("hasPublisher").as_bool() ||
                info.at("publisherInfo").at("participantId").as_string() != pid) {
                went_offline = true;
                return true;
            }
            confirmations.insert(std::string(info.at("publisherInfo").at("updatedAt").as_string()));
            return confirmations.size() >= 4;
        },
        30s, 100ms));
    EXPECT_FALSE(went_offline) << "the broadcast went offline while the publisher was on WHIP";
    EXPECT_TRUE(Data(s.Get("/api/stats/publisher")).at("isPublisherLive").as_bool());
    auto viewer = s.Post("/api/token/viewer", json::object{{"userId", "after-polls"}});
    EXPECT_EQ(viewer.status, 200u) << viewer.body;

    // Every other managed stage carries the publisher: an active replication, and IVS lists the
    // replica among the stage's participants.
    std::vector<std::string> fan_out;
    ASSERT_TRUE(WaitUntil([&] {
        fan_out.clear();
        const json::object list = Data(s.Get("/api/stage/list"));
        for (const auto& st : list.at("stages").as_array()) {
            if (!st.at("isMasterStage").as_bool()) {
                fan_out.emplace_back(st.at("stageArn").as_string());
            }
        }
        return fan_out.size() == 2;
    }));
    for (const auto& arn : fan_out) {
        EXPECT_TRUE(WaitUntil([&] {
            auto r = s.Get("/api/stage/replication/status/" + arn);
            if (r.status != 200 || !Data(r).at("hasReplication").as_bool() ||
                !Data(r).at("replicationInfo").at("active").as_bool()) {
                return false;
            }
            for (const auto& p : Participants(*emu, arn)) {
                if (p.participant_id == pid && p.replication_type == "REPLICA") return true;
            }
            return false;
        })) << arn;
    }

    // The broadcaster stops: offline within one poll, new viewers refused with NOT_FOUND.
    publisher->Stop();
    EXPECT_TRUE(WaitUntil(
        [&] { return !Data(s.Get("/api/stats/publisher")).at("isPublisherLive").as_bool(); }, 5s));
    auto refused = s.Post("/api/token/viewer", json::object{{"userId", "after-stop"}});
    EXPECT_EQ(refused.status, 404u) << refused.body;
    EXPECT_EQ(refused.Json().at("error").at("code"), "NOT_FOUND");
}

}  // namespace
}  // namespace ivs::test
