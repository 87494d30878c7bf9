#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "core/event_loop.hpp"

namespace ivs {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

// Handlers posted from another thread, one after the other (each waits for the one before),
// so the loop is found sleeping, spinning and busy; every one runs, and the loop returns when
// its work ends.
void RunsEverythingAndEndsWithItsWork(std::chrono::microseconds spin) {
    asio::io_context ioc{1};
    auto guard = asio::make_work_guard(ioc);
    std::thread loop([&] { RunEventLoop(ioc, spin); });
    int ran = 0;  // touched on the loop's thread only
    for (int i = 0; i < 2000; ++i) {
        std::promise<void> done;
        asio::post(ioc, [&] {
            ++ran;
            done.set_value();
        });
        done.get_future().wait();
    }
    // A timer: the loop must sleep for it, not only for posted work.
    std::promise<void> fired;
    asio::steady_timer timer(ioc, 20ms);
    timer.async_wait([&](boost::system::error_code) { fired.set_value(); });
    fired.get_future().wait();
    guard.reset();
    loop.join();  // returns once out of work
    EXPECT_EQ(ran, 2000);
    EXPECT_TRUE(ioc.stopped());
}

TEST(EventLoop, SpinningRunsEveryHandlerAndEndsWithItsWork) {
    RunsEverythingAndEndsWithItsWork(50us);
}

TEST(EventLoop, WithoutSpinItIsIoContextRun) { RunsEverythingAndEndsWithItsWork(0us); }

TEST(EventLoop, StopEndsItWhileItWaitsForWork) {
    asio::io_context ioc{1};
    auto guard = asio::make_work_guard(ioc);
    std::promise<void> started;
    asio::post(ioc, [&] { started.set_value(); });
    std::thread loop([&] { RunEventLoop(ioc, 1000us); });
    started.get_future().wait();
    ioc.stop();  // the loop is spinning or asleep with work outstanding
    loop.join();
    EXPECT_TRUE(ioc.stopped());
}

}  // namespace
}  // namespace ivs
