#pragma once

// Helpers of the foundation and hardening integration tests: a raw HTTP connection (keep-alive,
// partial requests), the HTTP layer alone with test routes, and the real ivs-server binary run
// as a child process.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <boost/asio/executor_work_guard.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "http/auth.hpp"
#include "http/pipeline.hpp"
#include "http/rate_limiter.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "test_support.hpp"

namespace ivs::test {

// One client connection the test drives byte by byte. Every operation has a 10 s deadline.
class RawConnection {
public:
    explicit RawConnection(unsigned short port);
    void Send(const std::string& bytes);
    // Reads one response; status 0 when the server closed the connection instead.
    HttpResponse Read();
    // True when the server closed the connection (EOF or reset) within the deadline.
    bool ClosedByServer();
    unsigned short LocalPort() const;

private:
    boost::asio::io_context ioc_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
};

// The HTTP layer alone (API-key auth from `config`, the memory rate limiter, the pipeline and the
// server) on 127.0.0.1, port 0, two IO threads, serving routes the test adds to router() before
// Start(). The destructor shuts the server down and waits for its connections to close, so
// whatever the routes use must outlive it.
class BareHttpServer {
public:
    explicit BareHttpServer(Config config);
    ~BareHttpServer();
    BareHttpServer(const BareHttpServer&) = delete;
    BareHttpServer& operator=(const BareHttpServer&) = delete;

    const Config& config() const { return config_; }
    http::Router& router() { return router_; }
    void Start();
    unsigned short port() const { return server_->Port(); }
    http::Server& server() { return *server_; }

private:
    Config config_;
    http::Router router_;
    http::Authenticator auth_;
    std::unique_ptr<http::RateLimiter> limiter_;
    std::unique_ptr<http::Pipeline> pipeline_;
    boost::asio::io_context ioc_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
        ioc_.get_executor()};
    std::unique_ptr<http::Server> server_;
    std::vector<std::thread> threads_;
};

// The real binary, started with exactly `env` (plus PATH), in a fresh working directory (with
// `dotenv` as its .env file when given), with stdout and stderr captured to files.
class ChildServer {
public:
    ChildServer(const std::vector<std::string>& args, std::map<std::string, std::string> env,
                const std::string& dotenv = {});
    ~ChildServer();

    // Waits for the process to exit; its exit code, or -1 on timeout, -2 if killed by a signal.
    int Wait(std::chrono::milliseconds timeout);
    bool Running();
    void Signal(int sig);
    std::string Stdout() const;
    std::string Stderr() const;
    // Waits for "listening on HOST:PORT" in the log and returns the port (0 on timeout).
    unsigned short WaitForPort(std::chrono::milliseconds timeout = std::chrono::seconds(20));
    const std::string& dir() const { return dir_.path(); }

private:
    TempDir dir_;
    pid_t pid_ = -1;
    int status_ = 0;
    bool exited_ = false;
};

// build/ivs-server: $IVS_TEST_BINARY, else next to the tests directory of this executable.
std::string ServerBinary();

// Bytes received by the server's end of the loopback connection 127.0.0.1:server_port <->
// 127.0.0.1:client_port and not yet read by the server (from /proc/net/tcp); -1 if not found.
// Lets a test know the server has consumed what it sent, without sleeping.
long ServerUnreadBytes(unsigned short server_port, unsigned short client_port);

}  // namespace ivs::test
