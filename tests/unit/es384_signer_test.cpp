// ES384 signatures of participant tokens from both libraries (TOKEN_SIGNING_LIBRARY): the same
// JWS format, checked by OpenSSL and by the emulator's join, with a fresh nonce every time.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <set>
#include <stdexcept>
#include <string>

#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_ivs_client.hpp"
#include "adapters/tokens/es384_signer.hpp"
#include "adapters/tokens/participant_jwt.hpp"
#include "adapters/tokens/token_signers.hpp"
#include "domain/stages/stage_directory.hpp"
#include "test_support.hpp"

namespace ivs::tokens {
namespace {

class Es384Signers : public ::testing::TestWithParam<Es384Library> {
protected:
    Es384Key key_ = Es384Key::Generate();
    // Verification always goes through OpenSSL with the public half only.
    Es384Key public_ = *Es384Key::FromPublicPem(key_.PublicPem());
};

TEST_P(Es384Signers, SignaturesAreRawRsThatOpenSslVerifies) {
    auto signer = MakeEs384Signer(key_, GetParam());
    EXPECT_EQ(signer->Library(), GetParam());
    std::set<std::string> r_values;
    for (int i = 0; i < 50; ++i) {
        std::string input = "eyJhbGciOiJFUzM4NCJ9.payload-" + std::to_string(i);
        auto sig = signer->Sign(input);
        ASSERT_TRUE(sig.has_value()) << sig.error().message;
        ASSERT_EQ(sig->size(), 96u);
        EXPECT_TRUE(public_.Verify(input, *sig)) << "signature " << i;
        EXPECT_FALSE(public_.Verify(input + "x", *sig));
        r_values.insert(sig->substr(0, 48));
    }
    // A repeated r would mean a repeated nonce, which gives the private key away.
    EXPECT_EQ(r_values.size(), 50u);
    auto first = signer->Sign("same input");
    auto second = signer->Sign("same input");
    ASSERT_TRUE(first && second);
    EXPECT_NE(*first, *second);
    EXPECT_TRUE(public_.Verify("same input", *first));
    EXPECT_TRUE(public_.Verify("same input", *second));
}

TEST_P(Es384Signers, KeyFromPemFileSigns) {
    test::TempDir dir;
    std::string path = dir.path() + "/key.pem";
    Es384Key created = LoadOrCreateKeyFile(path);
    Es384Key loaded = LoadKeyFile(path);
    auto sig = MakeEs384Signer(loaded, GetParam())->Sign("from a file");
    ASSERT_TRUE(sig.has_value());
    EXPECT_TRUE(Es384Key::FromPublicPem(created.PublicPem())->Verify("from a file", *sig));
    EXPECT_FALSE(public_.Verify("from a file", *sig));  // another key
}

TEST_P(Es384Signers, PublicOnlyKeyIsRefused) {
    EXPECT_THROW(MakeEs384Signer(public_, GetParam()), std::runtime_error);
}

TEST_P(Es384Signers, TokensJoinTheEmulator) {
    ManualClock clock;
    emulator::EmulatorOptions o;
    o.clock = &clock;
    auto emu = std::make_shared<emulator::Emulator>(o);
    auto client = emulator::MakeEmulatorIvsClient(emu);
    auto imported = emu->ImportPublicKey(key_.PublicPem(), "lib", {});
    ASSERT_TRUE(imported.has_value());
    auto stage = *emu->CreateStage({"one", {}});
    auto signer = MakeSelfTokenSigner(stages::EndpointLookup(std::make_shared<stages::StageDirectory>(client)),
                                      key_, imported->arn, clock, GetParam());
    boost::asio::io_context ioc;
    ports::CreateTokenRequest req{stage.arn, "viewer-1", 60, {}, {ports::Capability::subscribe}};
    auto fut = boost::asio::co_spawn(ioc, signer->Issue(req), boost::asio::use_future);
    ioc.run();
    auto token = fut.get();
    ASSERT_TRUE(token.has_value()) << token.error().message;
    auto decoded = DecodeToken(token->token);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->signature.size(), 96u);
    EXPECT_TRUE(public_.Verify(decoded->signing_input, decoded->signature));
    auto joined = emu->Join(stage.arn, token->token);
    ASSERT_TRUE(joined.has_value()) << joined.error().message;
    EXPECT_EQ(joined->participant_id, token->participant_id);
}

INSTANTIATE_TEST_SUITE_P(Libraries, Es384Signers,
                         ::testing::Values(Es384Library::nettle, Es384Library::openssl),
                         [](const auto& info) { return std::string(Es384LibraryName(info.param)); });

}  // namespace
}  // namespace ivs::tokens
