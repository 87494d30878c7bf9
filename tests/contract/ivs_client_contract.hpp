#pragma once

// The contract every ports::IvsClient adapter passes: one parameterized GoogleTest suite over a
// factory. The IVS behind the client is always an Emulator (in-process, or served over the
// wire by EmulatorServer), because the suite drives participants through the emulator's
// control surface (join/publish/leave) the way IVS client SDKs would.
//
// Instantiate it once per adapter, in exactly one .cpp of a test executable:
//
//   ivs::test::IvsContractTarget MakeTarget(boost::asio::io_context& ioc) { ... }
//   INSTANTIATE_TEST_SUITE_P(InProcess, IvsClientContract,
//       ::testing::Values(ivs::test::IvsContractParam{"inprocess", &MakeTarget}),
//       ivs::test::IvsContractParamName);
//
// The factory must create a fresh Emulator with options from ContractEmulatorOptions() (small
// stage quota so quota errors are reachable) and a client whose async work runs on `ioc` (the
// suite runs `ioc` while it awaits a call). Servers or threads the target needs are kept alive
// by `keep_alive` and torn down when it is released.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <regex>
#include <set>
#include <string>

#include "adapters/ivs/emulator.hpp"
#include "adapters/tokens/es384_key.hpp"
#include "ports/ivs_client.hpp"

namespace ivs::test {

struct IvsContractTarget {
    std::shared_ptr<emulator::Emulator> emulator;
    std::shared_ptr<ports::IvsClient> client;
    std::shared_ptr<void> keep_alive;
};

struct IvsContractParam {
    std::string name;
    std::function<IvsContractTarget(boost::asio::io_context&)> make;
};

inline std::string IvsContractParamName(const ::testing::TestParamInfo<IvsContractParam>& info) {
    return info.param.name;
}

inline constexpr int kContractMaxStages = 12;

inline emulator::EmulatorOptions ContractEmulatorOptions() {
    emulator::EmulatorOptions o;
    o.region = "us-east-1";
    o.account_id = "123456789012";
    o.max_stages = kContractMaxStages;
    return o;
}

class IvsClientContract : public ::testing::TestWithParam<IvsContractParam> {
protected:
    void SetUp() override {
        target_ = GetParam().make(ioc_);
        ASSERT_TRUE(target_.client);
        ASSERT_TRUE(target_.emulator);
    }
    void TearDown() override {
        target_ = {};
        ioc_.restart();
        ioc_.run_for(std::chrono::seconds(2));
    }

    template <class T>
    T Await(boost::asio::awaitable<T> aw) {
        auto fut = boost::asio::co_spawn(ioc_, std::move(aw), boost::asio::use_future);
        ioc_.restart();
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
            if (std::chrono::steady_clock::now() > deadline) {
                ADD_FAILURE() << "IVS call did not complete within 30 s";
                break;
            }
            ioc_.run_one_for(std::chrono::milliseconds(50));
            if (ioc_.stopped()) ioc_.restart();
        }
        return fut.get();
    }

    ports::IvsClient& ivs() { return *target_.client; }
    emulator::Emulator& emu() { return *target_.emulator; }

    ports::Stage MakeStage(std::string name = "contract", ports::Tags tags = {}) {
        auto r = Await(ivs().CreateStage({std::move(name), std::move(tags)}));
        EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
        return r ? *r : ports::Stage{};
    }

    // Joins with a CreateParticipantToken token (publish + subscribe) and optionally publishes.
    emulator::JoinResult JoinStage(const std::string& stage_arn, bool publish,
                                   std::string user_id = "user-1") {
        ports::CreateTokenRequest req;
        req.stage_arn = stage_arn;
        req.user_id = std::move(user_id);
        auto token = Await(ivs().CreateParticipantToken(req));
        EXPECT_TRUE(token.has_value());
        if (!token) return {};
        auto joined = emu().Join(stage_arn, token->token);
        EXPECT_TRUE(joined.has_value()) << (joined ? "" : joined.error().message);
        if (!joined) return {};
        if (publish) {
            EXPECT_TRUE(emu().Publish(stage_arn, joined->participant_id).has_value());
        }
        return *joined;
    }

    boost::asio::io_context ioc_;
    IvsContractTarget target_;
};

template <class R>
void ExpectIvsError(const R& result, Errc code, std::string_view type) {
    ASSERT_FALSE(result.has_value()) << "expected " << type;
    const Error error = result.error();  // boost::system::result::error() returns a copy
    EXPECT_EQ(error.code, code) << error.message;
    auto it = error.details.find("ivsError");
    ASSERT_NE(it, error.details.end()) << "details.ivsError missing: " << error.message;
    EXPECT_EQ(std::string(it->value().as_string()), type) << error.message;
}

// "<prefix><i>" (snprintf: GCC 12 warns falsely on inlined std::to_string concatenation).
inline std::string Numbered(const char* prefix, int i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%d", prefix, i);
    return buf;
}

inline bool IsAlnum(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

// --- stages ---

TEST_P(IvsClientContract, CreateGetUpdateDeleteStage) {
    auto stage = MakeStage("my-stage_1", {{"ManagedBy", "ivs-server"}});
    EXPECT_TRUE(std::regex_match(stage.arn, std::regex("arn:aws:ivs:us-east-1:123456789012:stage/[a-zA-Z0-9]{12}")))
        << stage.arn;
    EXPECT_EQ(stage.name, "my-stage_1");
    EXPECT_EQ(stage.tags.at("ManagedBy"), "ivs-server");
    EXPECT_TRUE(stage.active_session_id.empty());
    EXPECT_EQ(stage.endpoints.events, "wss://global.events.live-video.net");
    EXPECT_TRUE(std::regex_match(stage.endpoints.whip,
                                 std::regex("https://[a-zA-Z0-9]{12}\\.global-bm\\.whip\\.live-video\\.net")))
        << stage.endpoints.whip;
    EXPECT_EQ(stage.endpoints.rtmp.rfind("rtmp://", 0), 0u);
    EXPECT_EQ(stage.endpoints.rtmps.rfind("rtmps://", 0), 0u);
    EXPECT_EQ(stage.raw.at("arn").as_string(), stage.arn);
    EXPECT_TRUE(stage.raw.at("endpoints").is_object());

    auto got = Await(ivs().GetStage(stage.arn));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->arn, stage.arn);
    EXPECT_EQ(got->name, "my-stage_1");
    EXPECT_EQ(got->endpoints.whip, stage.endpoints.whip);

    auto updated = Await(ivs().UpdateStage(stage.arn, "renamed"));
    ASSERT_TRUE(updated.has_value());
    EXPECT_EQ(updated->name, "renamed");
    EXPECT_EQ(Await(ivs().GetStage(stage.arn))->name, "renamed");

    ASSERT_TRUE(Await(ivs().DeleteStage(stage.arn)).has_value());
    ExpectIvsError(Await(ivs().GetStage(stage.arn)), Errc::not_found, "ResourceNotFoundException");
    ExpectIvsError(Await(ivs().DeleteStage(stage.arn)), Errc::not_found,
                   "ResourceNotFoundException");
    ExpectIvsError(Await(ivs().UpdateStage(stage.arn, "x")), Errc::not_found,
                   "ResourceNotFoundException");
}

TEST_P(IvsClientContract, StageValidation) {
    ExpectIvsError(Await(ivs().CreateStage({"bad name!", {}})), Errc::invalid_argument,
                   "ValidationException");
    ExpectIvsError(Await(ivs().CreateStage({std::string(129, 'a'), {}})), Errc::invalid_argument,
                   "ValidationException");
    ports::Tags many;
    for (int i = 0; i < 51; ++i) many.try_emplace(Numbered("k", i), "v");
    ExpectIvsError(Await(ivs().CreateStage({"ok", many})), Errc::invalid_argument,
                   "ValidationException");
    ExpectIvsError(Await(ivs().GetStage("not-an-arn")), Errc::invalid_argument,
                   "ValidationException");
    auto stage = MakeStage();
    ExpectIvsError(Await(ivs().UpdateStage(stage.arn, "no spaces")), Errc::invalid_argument,
                   "ValidationException");
    // An empty name is allowed by the model.
    EXPECT_TRUE(Await(ivs().CreateStage({"", {}})).has_value());
}

TEST_P(IvsClientContract, ListStagesPaginates) {
    std::set<std::string> created;
    for (int i = 0; i < 7; ++i) created.insert(MakeStage(Numbered("s", i)).arn);
    std::set<std::string> seen;
    std::string token;
    int pages = 0;
    do {
        auto page = Await(ivs().ListStages(token, 3));
        ASSERT_TRUE(page.has_value()) << page.error().message;
        EXPECT_LE(page->items.size(), 3u);
        for (const auto& s : page->items) {
            EXPECT_TRUE(seen.insert(s.arn).second) << "listed twice: " << s.arn;
            EXPECT_FALSE(s.name.empty());
        }
        token = page->next_token;
        ASSERT_LT(++pages, 10);
    } while (!token.empty());
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(seen, created);

    auto all = Await(ivs().ListStages("", 100));
    ASSERT_TRUE(all.has_value());
    EXPECT_EQ(all->items.size(), 7u);
    EXPECT_TRUE(all->next_token.empty());

    ExpectIvsError(Await(ivs().ListStages("", 0)), Errc::invalid_argument, "ValidationException");
    ExpectIvsError(Await(ivs().ListStages("", 101)), Errc::invalid_argument, "ValidationException");
    ExpectIvsError(Await(ivs().ListStages("bm90LWEtdG9rZW4=", 3)), Errc::invalid_argument,
                   "ValidationException");
}

TEST_P(IvsClientContract, StageQuota) {
    for (int i = 0; i < kContractMaxStages; ++i) MakeStage();
    ExpectIvsError(Await(ivs().CreateStage({"one-too-many", {}})), Errc::quota_exceeded,
                   "ServiceQuotaExceededException");
    auto page = Await(ivs().ListStages("", 1));
    ASSERT_TRUE(page.has_value());
    ASSERT_TRUE(Await(ivs().DeleteStage(page->items.at(0).arn)).has_value());
    EXPECT_TRUE(Await(ivs().CreateStage({"fits-again", {}})).has_value());
}

// --- tokens ---

TEST_P(IvsClientContract, CreateParticipantToken) {
    auto stage = MakeStage();
    ports::CreateTokenRequest req;
    req.stage_arn = stage.arn;
    req.user_id = "viewer-42";
    req.attributes = {{"role", "viewer"}};
    auto t = Await(ivs().CreateParticipantToken(req));
    ASSERT_TRUE(t.has_value()) << t.error().message;
    EXPECT_FALSE(t->token.empty());
    EXPECT_EQ(t->participant_id.size(), 12u);
    EXPECT_TRUE(IsAlnum(t->participant_id));
    EXPECT_EQ(t->user_id, "viewer-42");
    EXPECT_EQ(t->duration_minutes, 720);
    EXPECT_EQ(t->attributes.at("role"), "viewer");
    EXPECT_EQ(t->capabilities.size(), 2u);  // IVS default: PUBLISH and SUBSCRIBE
    auto lifetime = t->expiration_time - std::chrono::system_clock::now();
    EXPECT_GT(lifetime, std::chrono::minutes(715));
    EXPECT_LT(lifetime, std::chrono::minutes(725));

    req.duration_minutes = 60;
    req.capabilities = {ports::Capability::subscribe};
    auto sub = Await(ivs().CreateParticipantToken(req));
    ASSERT_TRUE(sub.has_value());
    EXPECT_EQ(sub->duration_minutes, 60);
    ASSERT_EQ(sub->capabilities.size(), 1u);
    EXPECT_EQ(sub->capabilities[0], ports::Capability::subscribe);
    EXPECT_NE(sub->participant_id, t->participant_id);

    // A subscribe-only participant joins but may not publish.
    auto joined = emu().Join(stage.arn, sub->token);
    ASSERT_TRUE(joined.has_value());
    EXPECT_EQ(joined->participant_id, sub->participant_id);
    EXPECT_FALSE(emu().Publish(stage.arn, joined->participant_id).has_value());
}

TEST_P(IvsClientContract, CreateParticipantTokenValidation) {
    auto stage = MakeStage();
    ports::CreateTokenRequest req;
    req.stage_arn = stage.arn;
    req.duration_minutes = 0;
    ExpectIvsError(Await(ivs().CreateParticipantToken(req)), Errc::invalid_argument,
                   "ValidationException");
    req.duration_minutes = 20161;
    ExpectIvsError(Await(ivs().CreateParticipantToken(req)), Errc::invalid_argument,
                   "ValidationException");
    req.duration_minutes = 20160;
    EXPECT_TRUE(Await(ivs().CreateParticipantToken(req)).has_value());
    req.user_id = std::string(129, 'u');
    ExpectIvsError(Await(ivs().CreateParticipantToken(req)), Errc::invalid_argument,
                   "ValidationException");
    req.user_id = "ok";
    req.attributes = {{"big", std::string(1100, 'x')}};
    ExpectIvsError(Await(ivs().CreateParticipantToken(req)), Errc::invalid_argument,
                   "ValidationException");
    req.attributes = {};
    req.stage_arn = "arn:aws:ivs:us-east-1:123456789012:stage/doesNotExist";
    ExpectIvsError(Await(ivs().CreateParticipantToken(req)), Errc::not_found,
                   "ResourceNotFoundException");
}

// --- sessions and participants ---

TEST_P(IvsClientContract, SessionsAndParticipants) {
    auto stage = MakeStage();
    auto sessions = Await(ivs().ListStageSessions(stage.arn, "", 50));
    ASSERT_TRUE(sessions.has_value());
    EXPECT_TRUE(sessions->items.empty());

    auto pub = JoinStage(stage.arn, true, "publisher");
    auto viewer = JoinStage(stage.arn, false, "viewer");
    EXPECT_TRUE(std::regex_match(pub.session_id, std::regex("st-[a-zA-Z0-9]{13}"))) << pub.session_id;
    EXPECT_EQ(viewer.session_id, pub.session_id);
    EXPECT_EQ(Await(ivs().GetStage(stage.arn))->active_session_id, pub.session_id);

    sessions = Await(ivs().ListStageSessions(stage.arn, "", 50));
    ASSERT_TRUE(sessions.has_value());
    ASSERT_EQ(sessions->items.size(), 1u);
    EXPECT_EQ(sessions->items[0].session_id, pub.session_id);
    EXPECT_FALSE(sessions->items[0].end_time.has_value());
    auto age = std::chrono::system_clock::now() - sessions->items[0].start_time;
    EXPECT_LT(std::chrono::abs(age), std::chrono::minutes(1));

    ports::ListParticipantsRequest lp;
    lp.stage_arn = stage.arn;
    lp.session_id = pub.session_id;
    auto all = Await(ivs().ListParticipants(lp));
    ASSERT_TRUE(all.has_value()) << all.error().message;
    ASSERT_EQ(all->items.size(), 2u);
    for (const auto& p : all->items) {
        EXPECT_EQ(p.state, "CONNECTED");
        EXPECT_EQ(p.replication_type, "NONE");
        EXPECT_LT(std::chrono::abs(std::chrono::system_clock::now() - p.first_join_time),
                  std::chrono::minutes(1));
    }

    lp.filter_by_published = true;
    auto published = Await(ivs().ListParticipants(lp));
    ASSERT_TRUE(published.has_value());
    ASSERT_EQ(published->items.size(), 1u);
    EXPECT_EQ(published->items[0].participant_id, pub.participant_id);
    EXPECT_EQ(published->items[0].user_id, "publisher");
    EXPECT_TRUE(published->items[0].published);

    lp.filter_by_state = "CONNECTED";  // two filters at once
    ExpectIvsError(Await(ivs().ListParticipants(lp)), Errc::invalid_argument,
                   "ValidationException");
    lp.filter_by_published.reset();
    lp.filter_by_state = "SLEEPING";
    ExpectIvsError(Await(ivs().ListParticipants(lp)), Errc::invalid_argument,
                   "ValidationException");
    lp.filter_by_state.clear();
    lp.filter_by_user_id = "viewer";
    auto by_user = Await(ivs().ListParticipants(lp));
    ASSERT_TRUE(by_user.has_value());
    ASSERT_EQ(by_user->items.size(), 1u);
    EXPECT_EQ(by_user->items[0].participant_id, viewer.participant_id);
    lp.filter_by_user_id.clear();

    // Pagination over participants.
    lp.max_results = 1;
    auto first = Await(ivs().ListParticipants(lp));
    ASSERT_TRUE(first.has_value());
    ASSERT_EQ(first->items.size(), 1u);
    ASSERT_FALSE(first->next_token.empty());
    lp.next_token = first->next_token;
    auto second = Await(ivs().ListParticipants(lp));
    ASSERT_TRUE(second.has_value());
    ASSERT_EQ(second->items.size(), 1u);
    EXPECT_TRUE(second->next_token.empty());
    EXPECT_NE(first->items[0].participant_id, second->items[0].participant_id);
    lp.next_token.clear();
    lp.max_results = 50;

    lp.session_id = "not-a-session";
    ExpectIvsError(Await(ivs().ListParticipants(lp)), Errc::invalid_argument,
                   "ValidationException");
    lp.session_id = pub.session_id;

    // Disconnecting everyone ends the session.
    ASSERT_TRUE(Await(ivs().DisconnectParticipant(stage.arn, viewer.participant_id, "bye")).has_value());
    ExpectIvsError(Await(ivs().DisconnectParticipant(stage.arn, viewer.participant_id, "")),
                   Errc::not_found, "ResourceNotFoundException");
    ASSERT_TRUE(emu().Leave(stage.arn, pub.participant_id).has_value());
    lp.filter_by_state = "DISCONNECTED";
    auto gone = Await(ivs().ListParticipants(lp));
    ASSERT_TRUE(gone.has_value());
    EXPECT_EQ(gone->items.size(), 2u);
    EXPECT_TRUE(Await(ivs().GetStage(stage.arn))->active_session_id.empty());
    sessions = Await(ivs().ListStageSessions(stage.arn, "", 50));
    ASSERT_TRUE(sessions.has_value());
    ASSERT_EQ(sessions->items.size(), 1u);
    EXPECT_TRUE(sessions->items[0].end_time.has_value());

    // A new join starts a new session, listed first.
    auto again = JoinStage(stage.arn, false);
    EXPECT_NE(again.session_id, pub.session_id);
    sessions = Await(ivs().ListStageSessions(stage.arn, "", 1));
    ASSERT_TRUE(sessions.has_value());
    ASSERT_EQ(sessions->items.size(), 1u);
    EXPECT_EQ(sessions->items[0].session_id, again.session_id);
    EXPECT_FALSE(sessions->next_token.empty());
    ExpectIvsError(Await(ivs().ListStageSessions(stage.arn, "", 0)), Errc::invalid_argument,
                   "ValidationException");
}

TEST_P(IvsClientContract, DeleteStageWithParticipants) {
    auto stage = MakeStage();
    JoinStage(stage.arn, true);
    ASSERT_TRUE(Await(ivs().DeleteStage(stage.arn)).has_value());
    ExpectIvsError(Await(ivs().GetStage(stage.arn)), Errc::not_found, "ResourceNotFoundException");
}

// --- replication ---

TEST_P(IvsClientContract, ParticipantReplication) {
    auto master = MakeStage("master");
    auto fanout = MakeStage("fanout");
    auto pub = JoinStage(master.arn, true, "host");

    ports::ReplicationRequest req{master.arn, fanout.arn, pub.participant_id, 30, {{"replica", "yes"}}};
    ASSERT_TRUE(Await(ivs().StartParticipantReplication(req)).has_value());
    ExpectIvsError(Await(ivs().StartParticipantReplication(req)), Errc::conflict,
                   "ConflictException");

    auto replicas = Await(ivs().ListParticipantReplicas(master.arn, pub.participant_id, "", 50));
    ASSERT_TRUE(replicas.has_value()) << replicas.error().message;
    ASSERT_EQ(replicas->items.size(), 1u);
    const auto& r = replicas->items[0];
    EXPECT_EQ(r.source_stage_arn, master.arn);
    EXPECT_EQ(r.destination_stage_arn, fanout.arn);
    EXPECT_EQ(r.participant_id, pub.participant_id);
    EXPECT_EQ(r.source_session_id, pub.session_id);
    EXPECT_EQ(r.replication_state, "ACTIVE");
    auto fanout_now = Await(ivs().GetStage(fanout.arn));
    ASSERT_TRUE(fanout_now.has_value());
    EXPECT_EQ(r.destination_session_id, fanout_now->active_session_id);

    ports::ListParticipantsRequest lp;
    lp.stage_arn = fanout.arn;
    lp.session_id = r.destination_session_id;
    auto in_dest = Await(ivs().ListParticipants(lp));
    ASSERT_TRUE(in_dest.has_value());
    ASSERT_EQ(in_dest->items.size(), 1u);
    EXPECT_EQ(in_dest->items[0].participant_id, pub.participant_id);
    EXPECT_EQ(in_dest->items[0].replication_type, "REPLICA");
    EXPECT_EQ(in_dest->items[0].replication_state, "ACTIVE");
    EXPECT_EQ(in_dest->items[0].source_stage_arn, master.arn);
    EXPECT_TRUE(in_dest->items[0].published);

    lp.stage_arn = master.arn;
    lp.session_id = pub.session_id;
    auto in_source = Await(ivs().ListParticipants(lp));
    ASSERT_TRUE(in_source.has_value());
    ASSERT_EQ(in_source->items.size(), 1u);
    EXPECT_EQ(in_source->items[0].replication_type, "SOURCE");

    ExpectIvsError(Await(ivs().ListParticipantReplicas(master.arn, pub.participant_id, "", 51)),
                   Errc::invalid_argument, "ValidationException");

    ASSERT_TRUE(Await(ivs().StopParticipantReplication(master.arn, fanout.arn, pub.participant_id))
                    .has_value());
    ExpectIvsError(Await(ivs().StopParticipantReplication(master.arn, fanout.arn, pub.participant_id)),
                   Errc::not_found, "ResourceNotFoundException");
    replicas = Await(ivs().ListParticipantReplicas(master.arn, pub.participant_id, "", 50));
    ASSERT_TRUE(replicas.has_value());
    EXPECT_TRUE(replicas->items.empty());
}

TEST_P(IvsClientContract, ReplicationErrors) {
    auto master = MakeStage("master");
    auto fanout = MakeStage("fanout");
    auto quiet = JoinStage(master.arn, false);
    // Not publishing.
    ExpectIvsError(Await(ivs().StartParticipantReplication({master.arn, fanout.arn, quiet.participant_id, 0, {}})),
                   Errc::conflict, "ConflictException");
    // Unknown participant / stage.
    ExpectIvsError(Await(ivs().StartParticipantReplication({master.arn, fanout.arn, "nobody", 0, {}})),
                   Errc::not_found, "ResourceNotFoundException");
    ExpectIvsError(Await(ivs().StartParticipantReplication(
                       {master.arn, "arn:aws:ivs:us-east-1:123456789012:stage/missingStage", quiet.participant_id, 0, {}})),
                   Errc::not_found, "ResourceNotFoundException");
    // Invalid input.
    ExpectIvsError(Await(ivs().StartParticipantReplication({master.arn, master.arn, quiet.participant_id, 0, {}})),
                   Errc::invalid_argument, "ValidationException");
    ExpectIvsError(Await(ivs().StartParticipantReplication({master.arn, fanout.arn, quiet.participant_id, 301, {}})),
                   Errc::invalid_argument, "ValidationException");
    ExpectIvsError(Await(ivs().StartParticipantReplication({master.arn, fanout.arn, "bad_id", 0, {}})),
                   Errc::invalid_argument, "ValidationException");

    // At most 5 replicas per participant.
    auto pub = JoinStage(master.arn, true);
    for (int i = 0; i < 5; ++i) {
        auto dest = MakeStage(Numbered("dest", i));
        ASSERT_TRUE(Await(ivs().StartParticipantReplication({master.arn, dest.arn, pub.participant_id, 0, {}}))
                        .has_value());
    }
    ExpectIvsError(Await(ivs().StartParticipantReplication({master.arn, fanout.arn, pub.participant_id, 0, {}})),
                   Errc::quota_exceeded, "ServiceQuotaExceededException");
    auto page = Await(ivs().ListParticipantReplicas(master.arn, pub.participant_id, "", 2));
    ASSERT_TRUE(page.has_value());
    EXPECT_EQ(page->items.size(), 2u);
    EXPECT_FALSE(page->next_token.empty());

    // The source leaving stops its replications.
    ASSERT_TRUE(emu().Leave(master.arn, pub.participant_id).has_value());
    page = Await(ivs().ListParticipantReplicas(master.arn, pub.participant_id, "", 50));
    ASSERT_TRUE(page.has_value());
    EXPECT_TRUE(page->items.empty());
}

// --- public keys ---

TEST_P(IvsClientContract, PublicKeys) {
    auto key = tokens::Es384Key::Generate();
    auto imported = Await(ivs().ImportPublicKey(key.PublicPem(), "signer", {{"team", "live"}}));
    ASSERT_TRUE(imported.has_value()) << imported.error().message;
    EXPECT_TRUE(std::regex_match(imported->arn,
                                 std::regex("arn:aws:ivs:us-east-1:123456789012:public-key/[a-zA-Z0-9]{12}")))
        << imported->arn;
    EXPECT_EQ(imported->name, "signer");
    EXPECT_EQ(imported->public_key_material, key.PublicPem());
    EXPECT_FALSE(imported->fingerprint.empty());
    EXPECT_EQ(imported->tags.at("team"), "live");

    auto got = Await(ivs().GetPublicKey(imported->arn));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->fingerprint, imported->fingerprint);
    EXPECT_EQ(got->public_key_material, key.PublicPem());

    ExpectIvsError(Await(ivs().ImportPublicKey(key.PublicPem(), "again", {})), Errc::conflict,
                   "ConflictException");
    ExpectIvsError(Await(ivs().ImportPublicKey("not a pem", "bad", {})), Errc::invalid_argument,
                   "ValidationException");
    // A P-256 key has the right PEM shape but the wrong curve.
    const std::string p256 =
        "-----BEGIN PUBLIC KEY-----\n"
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\n"
        "q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n"
        "-----END PUBLIC KEY-----\n";
    ExpectIvsError(Await(ivs().ImportPublicKey(p256, "p256", {})), Errc::invalid_argument,
                   "ValidationException");

    ASSERT_TRUE(Await(ivs().ImportPublicKey(tokens::Es384Key::Generate().PublicPem(), "two", {})).has_value());
    ASSERT_TRUE(Await(ivs().ImportPublicKey(tokens::Es384Key::Generate().PublicPem(), "three", {})).has_value());
    ExpectIvsError(Await(ivs().ImportPublicKey(tokens::Es384Key::Generate().PublicPem(), "four", {})),
                   Errc::quota_exceeded, "ServiceQuotaExceededException");

    auto list = Await(ivs().ListPublicKeys("", 2));
    ASSERT_TRUE(list.has_value());
    EXPECT_EQ(list->items.size(), 2u);
    ASSERT_FALSE(list->next_token.empty());
    auto rest = Await(ivs().ListPublicKeys(list->next_token, 2));
    ASSERT_TRUE(rest.has_value());
    EXPECT_EQ(rest->items.size(), 1u);
    EXPECT_TRUE(rest->next_token.empty());

    ASSERT_TRUE(Await(ivs().DeletePublicKey(imported->arn)).has_value());
    ExpectIvsError(Await(ivs().GetPublicKey(imported->arn)), Errc::not_found,
                   "ResourceNotFoundException");
    ExpectIvsError(Await(ivs().DeletePublicKey(imported->arn)), Errc::not_found,
                   "ResourceNotFoundException");
    ExpectIvsError(Await(ivs().GetPublicKey("arn:aws:ivs:us-east-1:123456789012:stage/abc")),
                   Errc::invalid_argument, "ValidationException");
}

// --- tags ---

TEST_P(IvsClientContract, Tags) {
    auto stage = MakeStage("tagged", {{"a", "1"}});
    ASSERT_TRUE(Await(ivs().TagResource(stage.arn, {{"b", "2"}, {"c", "3"}})).has_value());
    auto tags = Await(ivs().ListTagsForResource(stage.arn));
    ASSERT_TRUE(tags.has_value()) << tags.error().message;
    EXPECT_EQ(*tags, (ports::Tags{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
    ASSERT_TRUE(Await(ivs().UntagResource(stage.arn, {"a", "c"})).has_value());
    tags = Await(ivs().ListTagsForResource(stage.arn));
    ASSERT_TRUE(tags.has_value());
    EXPECT_EQ(*tags, (ports::Tags{{"b", "2"}}));
    EXPECT_EQ(Await(ivs().GetStage(stage.arn))->tags, (ports::Tags{{"b", "2"}}));

    auto key = Await(ivs().ImportPublicKey(tokens::Es384Key::Generate().PublicPem(), "k", {}));
    ASSERT_TRUE(key.has_value());
    ASSERT_TRUE(Await(ivs().TagResource(key->arn, {{"x", "y"}})).has_value());
    EXPECT_EQ(*Await(ivs().ListTagsForResource(key->arn)), (ports::Tags{{"x", "y"}}));

    const std::string missing = "arn:aws:ivs:us-east-1:123456789012:stage/missingStage";
    ExpectIvsError(Await(ivs().TagResource(missing, {{"a", "b"}})), Errc::not_found,
                   "ResourceNotFoundException");
    ExpectIvsError(Await(ivs().ListTagsForResource(missing)), Errc::not_found,
                   "ResourceNotFoundException");
    ExpectIvsError(Await(ivs().UntagResource(missing, {"a"})), Errc::not_found,
                   "ResourceNotFoundException");
    ExpectIvsError(Await(ivs().ListTagsForResource("garbage")), Errc::invalid_argument,
                   "ValidationException");
    ports::Tags many;
    for (int i = 0; i < 50; ++i) many.try_emplace(Numbered("k", i), "v");
    ExpectIvsError(Await(ivs().TagResource(stage.arn, many)), Errc::invalid_argument,
                   "ValidationException");
}

}  // namespace ivs::test
