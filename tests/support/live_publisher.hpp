#pragma once

// A simulated broadcaster on the product's default path (REQUIRE_LIVE_PUBLISHER=true): it asks
// the server for a publisher token, publishes to the token's WHIP endpoint (the IVS emulator's,
// embedded or standalone) with an SDP offer, and keeps that WHIP session alive the way an
// encoder's ICE consent checks do, until it is stopped or destroyed, when it unpublishes.
// IVS then lists it as published in the master stage and reports "Participant Published", so
// the server's events and its publisher poll both say the broadcast is live.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "test_support.hpp"

namespace ivs::test {

class LivePublisher {
public:
    // Publishes as `user_id` through the server on 127.0.0.1:`port` with `api_key` (an admin
    // key) and waits, with a deadline, until GET /api/stats/publisher says isPublisherLive.
    // Failures are test failures (ADD_FAILURE) and leave live() false, with error() saying why.
    LivePublisher(unsigned short port, std::string api_key, std::string user_id = "caster");
    ~LivePublisher();
    LivePublisher(const LivePublisher&) = delete;
    LivePublisher& operator=(const LivePublisher&) = delete;

    // Published and seen live by the server.
    bool live() const { return live_; }
    const std::string& error() const { return error_; }
    // The IVS participant that publishes (the server's publisherInfo.participantId).
    const std::string& participant_id() const { return participant_id_; }

    // Ends the WHIP session (DELETE on its Location): IVS unpublishes and disconnects the
    // participant. Idempotent; the destructor calls it.
    void Stop();

private:
    bool Publish(const std::string& user_id);
    bool WaitUntilServerSaysLive();
    void KeepAlive();

    unsigned short port_;
    std::string api_key_;
    unsigned short whip_port_ = 0;
    std::string session_path_;  // the WHIP Location
    std::string participant_id_;
    std::string error_;
    bool live_ = false;

    std::mutex mu_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread refresher_;
};

// The broadcaster for an in-process server (with its admin key). Usage:
//   auto publisher = PublishLive(server);
//   ASSERT_TRUE(publisher->live()) << publisher->error();
inline std::unique_ptr<LivePublisher> PublishLive(TestServer& server,
                                                  std::string user_id = "caster") {
    return std::make_unique<LivePublisher>(server.port(), TestServer::kTestKey,
                                           std::move(user_id));
}

}  // namespace ivs::test
