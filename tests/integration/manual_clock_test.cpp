// The whole application on a manual clock: time moves only when the test says so, so the
// heartbeat timeout is reached by advancing the clock, not by waiting for it.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "audience_support.hpp"
#include "core/clock.hpp"

namespace ivs::test {
namespace {

using namespace audience_http;

TEST(AppOnManualClock, ASilentViewerEndsOnceTheClockPassesTheHeartbeatTimeout) {
    ManualClock clock;
    TestServer s(Env(), clock);
    std::unique_ptr<LivePublisher> publisher;
    const std::string master = MasterWithPublisher(s, publisher);
    const auto timeout = std::chrono::seconds(s.config().heartbeat_timeout_seconds);

    const std::string beating = Str(JoinOk(s, "beating", master), "sessionToken");
    const std::string silent = Str(JoinOk(s, "silent", master), "sessionToken");
    ASSERT_EQ(ListCount(s, master), 2);

    // Most of the timeout passes; one viewer heartbeats, the other stays silent.
    clock.Advance(timeout - std::chrono::seconds(5));
    auto beat = s.Post("/api/viewer/heartbeat",
                       json::object{{"userId", "beating"}, {"stageArn", master}}, Bearer(beating));
    ASSERT_EQ(beat.status, 200u) << beat.body;
    EXPECT_EQ(ListCount(s, master), 2);

    // Past the silent viewer's timeout, within the other's: the sweeper ends only the silent one.
    clock.Advance(std::chrono::seconds(10));
    ASSERT_TRUE(WaitUntil([&] { return ListCount(s, master) == 1; }, std::chrono::seconds(20),
                          std::chrono::milliseconds(100)));
    auto list = Data(s.Get("/api/viewer/list/" + master));
    ASSERT_EQ(list.at("viewers").as_array().size(), 1u);
    EXPECT_EQ(list.at("viewers").as_array()[0].as_string(), "beating");
    auto late = s.Post("/api/viewer/heartbeat",
                       json::object{{"userId", "silent"}, {"stageArn", master}}, Bearer(silent));
    EXPECT_EQ(late.status, 404u);
}

}  // namespace
}  // namespace ivs::test
