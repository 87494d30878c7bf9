// The stage directory: where self-signed tokens get their stage's endpoints. A join burst on a
// new stage must not fail because IVS throttles GetStage (5 TPS per account, shared by every
// instance), and a stage the directory knows costs no IVS call at all.

#include <gtest/gtest.h>

#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_ivs_client.hpp"
#include "adapters/tokens/es384_key.hpp"
#include "adapters/tokens/token_signers.hpp"
#include "domain/stages/stage_directory.hpp"
#include "redis_test_util.hpp"

namespace ivs {
namespace {

class StageDirectoryTest : public ::testing::Test {
protected:
    StageDirectoryTest() {
        emulator::EmulatorOptions eo;
        eo.clock = &clock;
        emu = std::make_shared<emulator::Emulator>(eo);
        ivs_client = emulator::MakeEmulatorIvsClient(emu);
        directory = std::make_shared<stages::StageDirectory>(ivs_client);
        auto created = emu->CreateStage({"s1", {}});
        EXPECT_TRUE(created.has_value());
        stage = *created;
    }

    ManualClock clock;
    test::IoThreads io{1};
    std::shared_ptr<emulator::Emulator> emu;
    std::shared_ptr<ports::IvsClient> ivs_client;
    std::shared_ptr<stages::StageDirectory> directory;
    ports::Stage stage;
};

TEST_F(StageDirectoryTest, AThrottledGetStageIsRetriedInsteadOfFailingTheToken) {
    emu->InjectFaults({429, "ThrottlingException", "Rate exceeded"}, 2);
    auto endpoints = io.Run(directory->Endpoints(stage.arn));
    ASSERT_TRUE(endpoints.has_value()) << endpoints.error().message;
    EXPECT_EQ(endpoints->whip, stage.endpoints.whip);
}

TEST_F(StageDirectoryTest, ThrottlingThatOutlastsTheRetriesIsReportedAsSuch) {
    emu->InjectFaults({429, "ThrottlingException", "Rate exceeded"}, 100);
    auto endpoints = io.Run(directory->Endpoints(stage.arn));
    ASSERT_FALSE(endpoints.has_value());
    EXPECT_EQ(endpoints.error().code, Errc::rate_limited);
    emu->ClearFaults();
}

TEST_F(StageDirectoryTest, SelfSignedTokensForAKnownStageMakeNoIvsCall) {
    directory->Remember(stage);  // what a stage_created event from another instance does
    auto key = tokens::Es384Key::Generate();
    auto imported = emu->ImportPublicKey(key.PublicPem(), "k", {});
    ASSERT_TRUE(imported.has_value());
    auto signer = tokens::MakeSelfTokenSigner(stages::EndpointLookup(directory), key,
                                              imported->arn, clock);
    const auto calls_before = emu->ApiCalls();
    for (int i = 0; i < 20; ++i) {
        ports::CreateTokenRequest request;
        request.stage_arn = stage.arn;
        request.user_id = "viewer-" + std::to_string(i);
        request.capabilities = {ports::Capability::subscribe};
        auto token = io.Run(signer->Issue(request));
        ASSERT_TRUE(token.has_value()) << token.error().message;
    }
    EXPECT_EQ(emu->ApiCalls(), calls_before);
}

}  // namespace
}  // namespace ivs
