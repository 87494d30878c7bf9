// Emulator core behaviour beyond the IvsClient contract (control surface, token checks at
// join, publisher quota, fault injection) and the participant token signers.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <sys/stat.h>

#include <set>

#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_ivs_client.hpp"
#include "adapters/tokens/participant_jwt.hpp"
#include "adapters/tokens/token_signers.hpp"
#include "domain/stages/stage_directory.hpp"
#include "core/crypto.hpp"
#include "test_support.hpp"

namespace ivs::emulator {
namespace {

template <class T>
T RunIo(boost::asio::awaitable<T> aw) {
    boost::asio::io_context ioc;
    auto fut = boost::asio::co_spawn(ioc, std::move(aw), boost::asio::use_future);
    ioc.run();
    return fut.get();
}

std::string Reason(const Error& e) {
    auto it = e.details.find("reason");
    return it == e.details.end() ? "" : std::string(it->value().as_string());
}

class EmulatorTokens : public ::testing::Test {
protected:
    void SetUp() override {
        EmulatorOptions o;
        o.clock = &clock_;
        emu_ = std::make_shared<Emulator>(o);
        client_ = MakeEmulatorIvsClient(emu_);
        auto imported = emu_->ImportPublicKey(key_.PublicPem(), "test", {});
        ASSERT_TRUE(imported.has_value());
        key_arn_ = imported->arn;
        signer_ = tokens::MakeSelfTokenSigner(Lookup(), key_, key_arn_, clock_);
        stage_ = *emu_->CreateStage({"one", {}});
        other_ = *emu_->CreateStage({"two", {}});
    }

    ports::ParticipantToken Issue(const std::string& arn, int minutes = 60) {
        ports::CreateTokenRequest req;
        req.stage_arn = arn;
        req.user_id = "alice";
        req.duration_minutes = minutes;
        req.attributes = {{"role", "host"}};
        req.capabilities = {ports::Capability::publish, ports::Capability::subscribe};
        auto t = RunIo(signer_->Issue(req));
        EXPECT_TRUE(t.has_value()) << (t ? "" : t.error().message);
        return t ? *t : ports::ParticipantToken{};
    }

    ManualClock clock_;
    tokens::Es384Key key_ = tokens::Es384Key::Generate();
    std::string key_arn_;
    std::shared_ptr<Emulator> emu_;
    std::shared_ptr<ports::IvsClient> client_;
    // Endpoints as the server finds them: through the stage directory.
    ports::StageEndpointLookup Lookup() {
        return stages::EndpointLookup(std::make_shared<stages::StageDirectory>(client_));
    }
    std::shared_ptr<ports::TokenSigner> signer_;
    ports::Stage stage_, other_;
};

TEST_F(EmulatorTokens, SelfSignedTokenCarriesExactlyTheDocumentedClaims) {
    auto t = Issue(stage_.arn, 90);
    EXPECT_EQ(signer_->Kind(), "self");
    auto decoded = tokens::DecodeToken(t.token);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->header, (boost::json::object{{"alg", "ES384"}, {"typ", "JWT"}, {"kid", key_arn_}}));
    std::set<std::string> keys;
    for (const auto& kv : decoded->payload) keys.insert(std::string(kv.key()));
    EXPECT_EQ(keys, (std::set<std::string>{"exp", "iat", "jti", "resource", "topic", "events_url",
                                           "whip_url", "capabilities", "version", "user_id",
                                           "attributes"}));
    const auto& p = decoded->payload;
    EXPECT_EQ(p.at("jti").as_string(), t.participant_id);
    EXPECT_EQ(t.participant_id.size(), 12u);
    EXPECT_EQ(p.at("resource").as_string(), stage_.arn);
    EXPECT_EQ(p.at("topic").as_string(), tokens::StageIdFromArn(stage_.arn));
    EXPECT_EQ(p.at("events_url").as_string(), stage_.endpoints.events);
    EXPECT_EQ(p.at("whip_url").as_string(), stage_.endpoints.whip);
    EXPECT_EQ(p.at("version").as_string(), "1.0");
    EXPECT_EQ(p.at("user_id").as_string(), "alice");
    EXPECT_EQ(p.at("attributes"), (boost::json::object{{"role", "host"}}));
    EXPECT_EQ(p.at("capabilities"),
              (boost::json::object{{"allow_publish", true}, {"allow_subscribe", true}}));
    EXPECT_EQ(p.at("exp").to_number<std::int64_t>() - p.at("iat").to_number<std::int64_t>(), 90 * 60);
    // JWS ES384 signature: raw r||s, 96 bytes, and it verifies with the public key.
    EXPECT_EQ(decoded->signature.size(), 96u);
    auto pub = tokens::Es384Key::FromPublicPem(key_.PublicPem());
    ASSERT_TRUE(pub.has_value());
    EXPECT_TRUE(pub->Verify(decoded->signing_input, decoded->signature));
    EXPECT_FALSE(pub->Verify(decoded->signing_input + "x", decoded->signature));
}

TEST_F(EmulatorTokens, JoinAcceptsValidAndRefusesBadTokens) {
    auto t = Issue(stage_.arn);
    auto joined = emu_->Join(stage_.arn, t.token);
    ASSERT_TRUE(joined.has_value()) << joined.error().message;
    EXPECT_EQ(joined->participant_id, t.participant_id);

    // Bad signature: flip one character of the signature part.
    std::string bad = t.token;
    bad[bad.size() - 5] = bad[bad.size() - 5] == 'A' ? 'B' : 'A';
    auto r = emu_->Join(stage_.arn, bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(IvsErrorType(r.error()), "AccessDeniedException");
    EXPECT_EQ(Reason(r.error()), "bad_signature");

    // Another stage.
    r = emu_->Join(other_.arn, t.token);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(Reason(r.error()), "wrong_stage");

    // Unknown key (signed by a key never imported).
    auto rogue = tokens::MakeSelfTokenSigner(Lookup(), tokens::Es384Key::Generate(), key_arn_, clock_);
    ports::CreateTokenRequest req{stage_.arn, "eve", 60, {}, {ports::Capability::subscribe}};
    auto forged = RunIo(rogue->Issue(req));
    ASSERT_TRUE(forged.has_value());
    r = emu_->Join(stage_.arn, forged->token);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(Reason(r.error()), "bad_signature");
    auto unknown_kid = tokens::MakeSelfTokenSigner(
        Lookup(), key_, "arn:aws:ivs:us-east-1:123456789012:public-key/nokeyhere123", clock_);
    auto t2 = RunIo(unknown_kid->Issue(req));
    ASSERT_TRUE(t2.has_value());
    r = emu_->Join(stage_.arn, t2->token);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(Reason(r.error()), "unknown_key");

    // Expired.
    clock_.Advance(std::chrono::minutes(61));
    r = emu_->Join(stage_.arn, t.token);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(Reason(r.error()), "expired");

    r = emu_->Join(stage_.arn, "garbage");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(Reason(r.error()), "malformed");
}

TEST_F(EmulatorTokens, EmulatorIssuedTokensJoin) {
    auto t = RunIo(client_->CreateParticipantToken({stage_.arn, "bob", 10, {}, {}}));
    ASSERT_TRUE(t.has_value());
    auto joined = emu_->Join(stage_.arn, t->token);
    ASSERT_TRUE(joined.has_value());
    EXPECT_EQ(joined->participant_id, t->participant_id);
    EXPECT_FALSE(emu_->Join(other_.arn, t->token).has_value());
}

TEST_F(EmulatorTokens, SignerValidatesAndReportsUnknownStages) {
    ports::CreateTokenRequest req{stage_.arn, "u", 0, {}, {ports::Capability::subscribe}};
    auto r = RunIo(signer_->Issue(req));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    req.duration_minutes = 60;
    req.capabilities.clear();
    EXPECT_FALSE(RunIo(signer_->Issue(req)).has_value());
    req.capabilities = {ports::Capability::subscribe};
    req.stage_arn = "arn:aws:ivs:us-east-1:123456789012:stage/unknownStage";
    r = RunIo(signer_->Issue(req));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::not_found);

    auto api = tokens::MakeApiTokenSigner(client_);
    EXPECT_EQ(api->Kind(), "api");
    req.stage_arn = stage_.arn;
    auto t = RunIo(api->Issue(req));
    ASSERT_TRUE(t.has_value());
    EXPECT_TRUE(emu_->Join(stage_.arn, t->token).has_value());
}

TEST(EmulatorKeys, KeyFileIsCreatedPrivateAndReloaded) {
    test::TempDir dir;
    std::string path = dir.path() + "/sub/key.pem";
    auto created = tokens::LoadOrCreateKeyFile(path);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto again = tokens::LoadOrCreateKeyFile(path);
    EXPECT_EQ(again.PublicPem(), created.PublicPem());
    auto sig = created.Sign("payload");
    ASSERT_TRUE(sig.has_value());
    EXPECT_EQ(sig->size(), 96u);
    EXPECT_TRUE(again.Verify("payload", *sig));
    EXPECT_FALSE(tokens::Es384Key::FromPrivatePem("nope").has_value());
}

TEST(Emulator, PublisherQuotaAndSubscribeOnly) {
    auto emu = std::make_shared<Emulator>();
    auto stage = *emu->CreateStage({"full", {}});
    for (int i = 0; i < 13; ++i) {
        auto t = emu->CreateParticipantToken({stage.arn, "", 60, {}, {}});
        ASSERT_TRUE(t.has_value());
        auto j = emu->Join(stage.arn, t->token);
        ASSERT_TRUE(j.has_value());
        auto p = emu->Publish(stage.arn, j->participant_id);
        if (i < 12) {
            EXPECT_TRUE(p.has_value()) << i;
        } else {
            ASSERT_FALSE(p.has_value());
            EXPECT_EQ(IvsErrorType(p.error()), "ServiceQuotaExceededException");
        }
    }
    auto sub = emu->CreateParticipantToken({stage.arn, "", 60, {}, {ports::Capability::subscribe}});
    auto j = emu->Join(stage.arn, sub->token);
    ASSERT_TRUE(j.has_value());
    auto p = emu->Publish(stage.arn, j->participant_id);
    ASSERT_FALSE(p.has_value());
    EXPECT_EQ(IvsErrorType(p.error()), "AccessDeniedException");
}

TEST(Emulator, InjectedFaultsReachTheInProcessClient) {
    auto emu = std::make_shared<Emulator>();
    auto client = MakeEmulatorIvsClient(emu);
    emu->InjectFaults({503, "ServiceUnavailableException", "down"}, 2);
    auto a = RunIo(client->ListStages("", 10));
    ASSERT_FALSE(a.has_value());
    EXPECT_EQ(a.error().code, Errc::unavailable);
    emu->InjectFaults({429, "TooManyRequestsException", "slow down"}, 1);
    EXPECT_FALSE(RunIo(client->ListStages("", 10)).has_value());
    auto c = RunIo(client->ListStages("", 10));
    ASSERT_FALSE(c.has_value());
    EXPECT_EQ(c.error().code, Errc::rate_limited);
    EXPECT_TRUE(RunIo(client->ListStages("", 10)).has_value());
    EXPECT_EQ(emu->ApiCalls(), 4u);
}

}  // namespace
}  // namespace ivs::emulator
