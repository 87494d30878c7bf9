// The live rule of the publisher tracker: EventBridge events and the poll of the master's
// published participants, against the in-process emulator and the memory hot store. A poll that
// contradicts a state set by an event flips it only when the next poll says the same (two in a
// row); a state set by polls follows every poll; an event always applies at once.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "adapters/hot_store/memory/memory_hot_store.hpp"
#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_ivs_client.hpp"
#include "adapters/local/local_event_bus.hpp"
#include "core/time_format.hpp"
#include "domain/publisher/publisher_tracker.hpp"
#include "domain/stages/stage_directory.hpp"
#include "asio_test_util.hpp"

namespace ivs {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

using test::Sync;

class PublisherLiveRule : public ::testing::Test {
protected:
    void SetUp() override {
        emulator::EmulatorOptions eo;
        eo.clock = &clock;
        emu = std::make_shared<emulator::Emulator>(eo);
        auto ivs = emulator::MakeEmulatorIvsClient(emu);
        hot = adapters::MakeMemoryHotStore(clock);
        directory = std::make_shared<stages::StageDirectory>(ivs);
        ports::CreateStageRequest create;
        create.name = "master";
        auto stage = emu->CreateStage(create);
        ASSERT_TRUE(stage);
        master = stage->arn;
        directory->RememberMaster(master);
        tracker = std::make_shared<publisher::PublisherTracker>(
            ivs, hot, directory, adapters::MakeLocalEventBus(), clock);
    }

    // A participant that joins the master and publishes (what WHIP does).
    std::string JoinAndPublish(const std::string& user) {
        ports::CreateTokenRequest req;
        req.stage_arn = master;
        req.user_id = user;
        req.duration_minutes = 240;
        req.capabilities = {ports::Capability::publish};
        auto token = emu->CreateParticipantToken(req);
        EXPECT_TRUE(token);
        auto joined = emu->Join(master, token->token);
        EXPECT_TRUE(joined);
        EXPECT_TRUE(emu->Publish(master, joined->participant_id));
        return joined->participant_id;
    }

    void Deliver(const std::string& id, const std::string& name, const std::string& pid) {
        clock.Advance(1s);
        boost::json::object event{
            {"version", "0"},
            {"id", id},
            {"detail-type", "IVS Stage Update"},
            {"source", "aws.ivs"},
            {"time", FormatIso8601Millis(clock.Now())},
            {"resources", boost::json::array{boost::json::string(master)}},
            {"detail", {{"event_name", name}, {"participant_id", pid}, {"user_id", "alice"}}}};
        auto handled = Sync(ioc, tracker->HandleEvent(event));
        ASSERT_TRUE(handled);
        EXPECT_EQ(*handled, publisher::EventOutcome::applied);
    }

    void Poll() {
        clock.Advance(30s);
        ASSERT_TRUE(Sync(ioc, tracker->Poll()));
    }

    bool Live() {
        auto s = Sync(ioc, tracker->Current());
        return s && *s && (*s)->live;
    }

    std::string Source() { return (*Sync(ioc, tracker->Current()))->source; }

    ManualClock clock;
    asio::io_context ioc;
    std::shared_ptr<emulator::Emulator> emu;
    std::shared_ptr<ports::HotStore> hot;
    std::shared_ptr<stages::StageDirectory> directory;
    std::shared_ptr<publisher::PublisherTracker> tracker;
    std::string master;
};

TEST_F(PublisherLiveRule, PollSeeingNoPublisherAfterPublishedEventNeedsTwoPollsInARow) {
    const std::string pid = JoinAndPublish("alice");
    Deliver("ev-1", "Participant Published", pid);
    ASSERT_TRUE(Live());

    // The participant is gone from IVS's list but no Unpublished event came (lost, or late).
    ASSERT_TRUE(emu->Unpublish(master, pid));
    Poll();
    EXPECT_TRUE(Live()) << "one poll contradicting a newer event must not flip the broadcast";
    Poll();
    EXPECT_FALSE(Live()) << "the second poll in a row that sees no publisher wins";
    EXPECT_EQ(Source(), "poll");
}

TEST_F(PublisherLiveRule, PollThatAgreesAgainResetsTheCount) {
    const std::string pid = JoinAndPublish("alice");
    Deliver("ev-1", "Participant Published", pid);

    ASSERT_TRUE(emu->Unpublish(master, pid));
    Poll();  // disagrees once
    ASSERT_TRUE(Live());
    ASSERT_TRUE(emu->Publish(master, pid));
    Poll();  // agrees: the count starts over
    ASSERT_TRUE(Live());
    ASSERT_TRUE(emu->Unpublish(master, pid));
    Poll();
    EXPECT_TRUE(Live()) << "a disagreement after an agreeing poll is again only the first";
    Poll();
    EXPECT_FALSE(Live());
}

TEST_F(PublisherLiveRule, PollStillListingPublisherAfterUnpublishedEventDoesNotRelive) {
    const std::string pid = JoinAndPublish("alice");
    Deliver("ev-1", "Participant Published", pid);
    // IVS sends Unpublished while its list still shows the participant (the list lags).
    Deliver("ev-2", "Participant Unpublished", pid);
    ASSERT_FALSE(Live()) << "an event applies at once";
    Poll();
    EXPECT_FALSE(Live()) << "one poll contradicting a newer event must not flip the broadcast";
    Poll();
    EXPECT_TRUE(Live()) << "two polls in a row that list the publisher win";
}

TEST_F(PublisherLiveRule, EventBetweenContradictingPollsStartsTheCountOver) {
    const std::string pid = JoinAndPublish("alice");
    Deliver("ev-1", "Participant Published", pid);
    ASSERT_TRUE(emu->Unpublish(master, pid));
    Poll();
    ASSERT_TRUE(Live());
    Deliver("ev-2", "Participant Published", pid);  // a newer event re-affirms live
    Poll();
    EXPECT_TRUE(Live()) << "the poll after a newer event is the first contradiction again";
    Poll();
    EXPECT_FALSE(Live());
}

TEST_F(PublisherLiveRule, StateSetByPollsFollowsEachPoll) {
    const std::string pid = JoinAndPublish("alice");
    Poll();
    ASSERT_TRUE(Live());
    EXPECT_EQ(Source(), "poll");
    ASSERT_TRUE(emu->Unpublish(master, pid));
    Poll();
    EXPECT_FALSE(Live()) << "without an event to contradict, one poll decides";
}

}  // namespace
}  // namespace ivs
