#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "adapters/ivs/emulator.hpp"

namespace ivs::emulator {

struct EmulatorServerOptions {
    std::string access_key_id = "test";      // IVS_EMULATOR_ACCESS_KEY_ID
    std::string secret_access_key = "test";  // IVS_EMULATOR_SECRET_ACCESS_KEY
    std::string region = "us-east-1";        // signatures scoped to another region are refused
    std::size_t max_body_bytes = 1 << 20;
    std::chrono::seconds io_timeout{30};     // per read and per write
};

// The emulator spoken over the real AWS wire protocol of ivsrealtime (restJson1), so the AWS
// CLI and SDKs can use it through --endpoint-url:
//   POST /<Operation> with a JSON body (CreateStage, GetStage, UpdateStage, DeleteStage,
//     ListStages, CreateParticipantToken, DisconnectParticipant, ListParticipants,
//     ListStageSessions, Start/StopParticipantReplication, ListParticipantReplicas,
//     ImportPublicKey, GetPublicKey, ListPublicKeys, DeletePublicKey);
//   GET|POST|DELETE /tags/{percent-encoded ARN} (UntagResource: repeated `tagKeys` query).
// Every API call must carry a valid SigV4 signature for the configured key pair with signing
// name `ivs` (`ivsrealtime` tolerated); otherwise 403 SignatureDoesNotMatch /
// InvalidClientTokenId or 400 IncompleteSignature / RequestExpired. Errors are answered the
// AWS way: model status, header `x-amzn-ErrorType: <Name>`, body
// {"exceptionMessage": "...", "message": "..."}.
//
// Control API for tests (unsigned, JSON in and out, same error shape):
//   POST   /_emulator/join       {"stageArn","token"} -> {"participantId","sessionId"}
//          (token verified like IVS: signature, expiry, stage; refusal -> 403
//          AccessDeniedException with "reason")
//   POST   /_emulator/publish    {"stageArn","participantId"} -> {}
//   POST   /_emulator/unpublish  {"stageArn","participantId"} -> {}
//   POST   /_emulator/leave      {"stageArn","participantId"} -> {}
//   POST   /_emulator/faults     {"status":503,"errorType":"ServiceUnavailableException",
//                                 "message":"...","count":N} -> {}: the next N signed API
//          calls are answered with that status and error type instead of running
//   DELETE /_emulator/faults     -> {} (drops pending faults)
//   GET    /_emulator/stats      -> {"apiCalls": n}
//
// Connections: HTTP/1.1 keep-alive, every read and write under `io_timeout`, headers limited
// to 16 KiB and bodies to `max_body_bytes`. Runs on the io_context it is given (any number of
// threads). Start/Stop/Port are not meant to race with each other.
class EmulatorServer {
public:
    EmulatorServer(boost::asio::io_context& ioc, std::shared_ptr<Emulator> emulator,
                   EmulatorServerOptions options = {});
    ~EmulatorServer();
    EmulatorServer(const EmulatorServer&) = delete;
    EmulatorServer& operator=(const EmulatorServer&) = delete;

    // Binds and starts accepting; port 0 picks a free port. Throws std::runtime_error when the
    // address cannot be bound.
    void Start(const std::string& host, unsigned short port);
    unsigned short Port() const;
    // Stops accepting (connections in progress finish their current request).
    void Stop();

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

// An EmulatorServer on its own io_context and thread (tests, tools). The destructor stops the
// server and joins the thread.
class BackgroundEmulatorServer {
public:
    BackgroundEmulatorServer(std::shared_ptr<Emulator> emulator, EmulatorServerOptions options = {},
                             const std::string& host = "127.0.0.1", unsigned short port = 0);
    ~BackgroundEmulatorServer();

    unsigned short Port() const { return server_->Port(); }
    std::string Endpoint() const;  // "http://127.0.0.1:<port>"
    Emulator& emulator() { return *emulator_; }

private:
    std::shared_ptr<Emulator> emulator_;
    boost::asio::io_context ioc_;
    std::unique_ptr<EmulatorServer> server_;
    std::string host_;
    std::thread thread_;
};

}  // namespace ivs::emulator
