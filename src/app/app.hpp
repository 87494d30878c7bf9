#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/random.hpp"

namespace ivs {

namespace emulator {
class Emulator;
}
namespace http {
class Router;
}

// The whole server, wired from a Config: stores, IVS, domain services, HTTP and WebSocket,
// background jobs. Tests create one in-process on port 0.
class App {
public:
    // Every part reads time from `clock` (a test may pass a ManualClock and move it); the app's
    // own random ids (the instance id) come from `random`. Both outlive the App.
    // Throws std::runtime_error on start-up failures (bad key file, unreachable required store).
    explicit App(Config config, Clock& clock = SystemClock::Instance(),
                 RandomSource& random = SystemRandom::Instance());
    ~App();

    // Binds the listener and starts background jobs; returns once serving.
    void Start();
    unsigned short Port() const;
    const Config& config() const;
    // The route table (the OpenAPI coverage test reads it).
    const http::Router& Routes() const;
    // The embedded IVS emulator, or null with the AWS backend. For in-process tests.
    std::shared_ptr<emulator::Emulator> Emulator() const;

    // Runs the I/O threads until shutdown completes (the caller's thread runs the main one;
    // each further thread serves a share of the connections).
    void Run();
    // Starts the I/O threads in the background (tests).
    void RunInBackground();

    // Graceful stop: stop accepting, let requests finish (up to SHUTDOWN_GRACE_SECONDS), stop
    // jobs, then stop the I/O threads. Thread-safe; returns immediately.
    void Shutdown();
    // Shutdown() and wait for the threads (tests, destructor).
    void Stop();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// A one-line description of the modes, the first line logged at start.
std::string DescribeModes(const Config& config, std::string_view verb = "starting");

}  // namespace ivs
