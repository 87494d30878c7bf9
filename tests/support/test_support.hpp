#pragma once

// Shared helpers for every suite: environment of the harness, temporary directories, polling
// with a deadline, a small blocking HTTP client and an in-process server on port 0.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "core/clock.hpp"

namespace ivs::emulator {
class Emulator;
}
namespace ivs::http {
class Router;
}

namespace ivs::test {

// A variable exported by tests/harness/run-tests.sh (IVS_TEST_*), if set.
std::optional<std::string> HarnessEnv(const std::string& name);
// True when the harness promised its services: a missing one is then a failure, not a skip.
bool ServicesRequired();

// Skips (or fails under the harness) when a harness variable is missing.
#define IVS_REQUIRE_HARNESS(var)                                                           \
    do {                                                                                   \
        if (!::ivs::test::HarnessEnv(var)) {                                               \
            if (::ivs::test::ServicesRequired()) FAIL() << var " is not set by the harness"; \
            GTEST_SKIP() << var " is not set: run through tests/harness/run-tests.sh";     \
        }                                                                                  \
    } while (0)

// Directory of the official AWS specs (../shared/specs), or skip with a clear message.
#define IVS_REQUIRE_SPECS()                                                                  \
    do {                                                                                     \
        if (!::ivs::test::HarnessEnv("IVS_TEST_SPECS_DIR")) {                                \
            GTEST_SKIP() << "../shared/specs is absent: the AWS models and SigV4 vectors are " \
                            "not part of this checkout";                                     \
        }                                                                                    \
    } while (0)

// A fresh directory under /tmp, removed on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Polls `condition` until it holds or `timeout` passes. Returns whether it held.
bool WaitUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout = std::chrono::seconds(10),
               std::chrono::milliseconds interval = std::chrono::milliseconds(20));

struct HttpResponse {
    unsigned status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;

    boost::json::value Json() const;
    std::string Header(const std::string& lower_name) const;
};

// Blocking HTTP/1.1 client for tests; one connection per call, 10 s deadline.
HttpResponse HttpCall(unsigned short port, const std::string& method, const std::string& target,
                      const std::string& body = {},
                      const std::map<std::string, std::string>& headers = {});

// HttpCall, with "no answer" (nothing listening, connection refused or reset, deadline) as
// status 0 instead of an exception.
HttpResponse TryHttpCall(unsigned short port, const std::string& method, const std::string& target,
                         const std::string& body = {},
                         const std::map<std::string, std::string>& headers = {});

// Runs a command through /bin/sh; returns its exit status. Output goes to `output` if given.
int RunCommand(const std::string& command, std::string* output = nullptr);

// True when a number outside the strings of the JSON text `text` is written with an exponent
// ("1.3E-1"); ids inside strings ("rL2EnRjk") do not count.
bool HasExponentNumber(const std::string& text);

// The whole application in-process on a free port, with the given variables over test
// defaults (API_PORT=0, a temporary DATA_DIR, API_SECRET_KEY=kTestKey, LOG_LEVEL=warn).
class TestServer {
public:
    static constexpr const char* kTestKey = "test-admin-key-0123456789";

    // Every part of the app reads time from `clock` (a ManualClock lets the test move it).
    explicit TestServer(Environment overrides = {}, Clock& clock = SystemClock::Instance());
    ~TestServer();

    unsigned short port() const;
    const Config& config() const;
    // The app's route table.
    const http::Router& router() const;
    // The embedded IVS emulator, or null with the AWS backend.
    std::shared_ptr<emulator::Emulator> emulator() const;
    const std::string& data_dir() const { return data_dir_->path(); }

    // Calls with the admin key unless `headers` carries its own credentials.
    HttpResponse Get(const std::string& target, std::map<std::string, std::string> headers = {});
    HttpResponse Post(const std::string& target, const boost::json::value& body,
                      std::map<std::string, std::string> headers = {});
    HttpResponse Put(const std::string& target, const boost::json::value& body,
                     std::map<std::string, std::string> headers = {});
    HttpResponse Delete(const std::string& target, const boost::json::value& body = nullptr,
                        std::map<std::string, std::string> headers = {});
    HttpResponse Call(const std::string& method, const std::string& target,
                      const std::string& body, std::map<std::string, std::string> headers);

    void Stop();

private:
    std::unique_ptr<TempDir> data_dir_;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ivs::test
