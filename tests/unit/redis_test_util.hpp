#pragma once

// Helpers for the suites that talk to a real Redis: an io_context on two threads, running an
// awaitable to completion from the test thread, and private redis-server processes.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <signal.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace ivs::test {

class IoThreads {
public:
    explicit IoThreads(int n = 2) : guard_(ioc_.get_executor()) {
        for (int i = 0; i < n; ++i) threads_.emplace_back([this] { ioc_.run(); });
    }
    ~IoThreads() {
        guard_.reset();
        ioc_.stop();
        for (auto& t : threads_) t.join();
    }
    boost::asio::io_context& ioc() { return ioc_; }

    template <class T>
    T Run(boost::asio::awaitable<T> aw) {
        return boost::asio::co_spawn(ioc_, std::move(aw), boost::asio::use_future).get();
    }

private:
    boost::asio::io_context ioc_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::vector<std::thread> threads_;
};

inline std::string HarnessDir() {
    if (auto d = HarnessEnv("IVS_TEST_HARNESS_DIR")) return *d;
    return IVS_TEST_HARNESS_DEFAULT;
}

inline int FreePort() {
    std::string out;
    RunCommand(HarnessDir() + "/free-port.sh", &out);
    return std::stoi(out);
}

// A redis-server of its own (for stop/restart scenarios), stopped on destruction.
class PrivateRedis {
public:
    explicit PrivateRedis(std::string extra_args = {}) : port_(FreePort()), extra_(std::move(extra_args)) {
        Start();
    }
    ~PrivateRedis() { Stop(); }
    int port() const { return port_; }
    bool Start() {
        std::string dir = dir_.path();
        std::string cmd = "redis-server --port " + std::to_string(port_) +
                          " --bind 127.0.0.1 --dir " + dir +
                          " --save '' --appendonly no --daemonize yes --pidfile " + dir +
                          "/redis.pid --logfile " + dir + "/redis.log " + extra_;
        if (RunCommand(cmd) != 0) return false;
        std::string auth = extra_.find("requirepass") != std::string::npos ? " --no-auth-warning -a secret" : "";
        return WaitUntil([&] {
            std::string out;
            RunCommand("redis-cli -p " + std::to_string(port_) + auth + " ping 2>/dev/null", &out);
            return out.find("PONG") != std::string::npos;
        });
    }
    void Stop() { RunCommand(HarnessDir() + "/redis.sh stop " + dir_.path()); }
    // Sends `signal` (e.g. SIGSTOP / SIGCONT) to this redis-server.
    bool Signal(int signal) {
        std::ifstream in(dir_.path() + "/redis.pid");
        pid_t pid = 0;
        return (in >> pid) && pid > 0 && ::kill(pid, signal) == 0;
    }

private:
    TempDir dir_;
    int port_;
    std::string extra_;
};

}  // namespace ivs::test
