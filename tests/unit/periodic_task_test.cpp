#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "core/periodic_task.hpp"
#include "test_support.hpp"

namespace ivs {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using Wait = PeriodicTask::Wait;

// An io_context on its own thread, like the server's.
class PeriodicTaskTest : public ::testing::Test {
protected:
    ~PeriodicTaskTest() override {
        guard_.reset();
        ioc_.stop();
        thread_.join();
    }

    std::shared_ptr<PeriodicTask> Make(PeriodicTask::Options options, PeriodicTask::Step step) {
        return std::make_shared<PeriodicTask>(asio::make_strand(ioc_.get_executor()),
                                              std::move(options), std::move(step));
    }
    // A step that counts its runs and asks for `wait` before the next one.
    PeriodicTask::Step Counting(Wait wait) {
        return [this, wait]() -> asio::awaitable<Wait> {
            ++steps_;
            co_return wait;
        };
    }
    void StopAndWait(PeriodicTask& task) {
        asio::co_spawn(ioc_, task.Stop(), asio::use_future).get();
    }

    asio::io_context ioc_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_{ioc_.get_executor()};
    std::thread thread_{[this] { ioc_.run(); }};
    std::shared_ptr<int> owner_ = std::make_shared<int>(0);
    std::atomic<int> steps_{0};
};

TEST_F(PeriodicTaskTest, RunsAtStartThenAfterEachWaitUntilStopped) {
    auto task = Make({.name = "test"}, Counting(1ms));
    task->Start(owner_);
    EXPECT_TRUE(test::WaitUntil([&] { return steps_ >= 3; }));
    StopAndWait(*task);
    EXPECT_FALSE(task->Running());
    const int after_stop = steps_;
    std::this_thread::yield();
    EXPECT_EQ(steps_, after_stop);
}

TEST_F(PeriodicTaskTest, StartAndStopMayBeCalledTwice) {
    std::atomic<int> in_step{0};
    std::atomic<bool> overlapped{false};
    auto task = Make({.name = "test"}, [&]() -> asio::awaitable<Wait> {
        if (++in_step > 1) overlapped = true;
        asio::steady_timer t(co_await asio::this_coro::executor, 1ms);
        co_await t.async_wait(asio::use_awaitable);
        --in_step;
        ++steps_;
        co_return Wait::zero();
    });
    task->Start(owner_);
    task->Start(owner_);
    EXPECT_TRUE(test::WaitUntil([&] { return steps_ >= 5; }));
    StopAndWait(*task);
    StopAndWait(*task);
    EXPECT_FALSE(overlapped);
    // Not again after a stop.
    const int stopped_at = steps_;
    task->Start(owner_);
    EXPECT_FALSE(task->Running());
    EXPECT_EQ(steps_, stopped_at);
}

TEST_F(PeriodicTaskTest, FirstWaitDelaysTheFirstStepAndATriggerEndsIt) {
    auto task = Make({.name = "test", .first_wait = 1h}, Counting(1h));
    task->Start(owner_);
    std::this_thread::yield();
    EXPECT_EQ(steps_, 0);
    task->Trigger();
    EXPECT_TRUE(test::WaitUntil([&] { return steps_ == 1; }));
    task->Trigger();
    EXPECT_TRUE(test::WaitUntil([&] { return steps_ == 2; }));
    StopAndWait(*task);
    EXPECT_EQ(steps_, 2);
}

TEST_F(PeriodicTaskTest, ATriggerDuringAStepSkipsTheNextWait) {
    std::shared_ptr<PeriodicTask> task;
    task = Make({.name = "test"}, [&]() -> asio::awaitable<Wait> {
        if (++steps_ == 1) task->Trigger();
        co_return 1h;
    });
    task->Start(owner_);
    EXPECT_TRUE(test::WaitUntil([&] { return steps_ >= 2; }));
    StopAndWait(*task);
    task.reset();
}

TEST_F(PeriodicTaskTest, StopEndsTheWaitAndWaitsForTheStepInProgress) {
    std::atomic<bool> in_step{false};
    std::atomic<bool> finished{false};
    auto task = Make({.name = "test"}, [&]() -> asio::awaitable<Wait> {
        in_step = true;
        asio::steady_timer t(co_await asio::this_coro::executor, 100ms);
        co_await t.async_wait(asio::use_awaitable);
        finished = true;
        co_return 1h;
    });
    task->Start(owner_);
    ASSERT_TRUE(test::WaitUntil([&] { return in_step.load(); }));
    StopAndWait(*task);
    EXPECT_TRUE(finished);
    EXPECT_FALSE(task->Running());
}

TEST_F(PeriodicTaskTest, StepOnStopRunsTheStepOnceMoreWhenStoppedDuringTheWait) {
    auto task = Make({.name = "test", .first_wait = 1h, .step_on_stop = true}, Counting(1h));
    task->Start(owner_);
    StopAndWait(*task);
    EXPECT_EQ(steps_, 1);
    EXPECT_FALSE(task->Running());
}

TEST_F(PeriodicTaskTest, AThrowingStepEndsTheLoopUnlessItIsToKeepRunning) {
    auto throwing = [this]() -> asio::awaitable<Wait> {
        ++steps_;
        throw std::runtime_error("boom");
        co_return Wait::zero();
    };
    auto ends = Make({.name = "ending"}, throwing);
    ends->Start(owner_);
    EXPECT_TRUE(test::WaitUntil([&] { return !ends->Running(); }));
    EXPECT_EQ(steps_, 1);

    steps_ = 0;
    auto keeps = Make({.name = "surviving", .after_throw = 1ms}, throwing);
    keeps->Start(owner_);
    EXPECT_TRUE(test::WaitUntil([&] { return steps_ >= 3; }));
    EXPECT_TRUE(keeps->Running());
    StopAndWait(*keeps);
}

TEST_F(PeriodicTaskTest, KeepsItsOwnerAliveUntilTheLoopEnds) {
    auto task = Make({.name = "test"}, Counting(1h));
    std::weak_ptr<int> owner = owner_;
    task->Start(std::exchange(owner_, nullptr));
    EXPECT_TRUE(test::WaitUntil([&] { return steps_ == 1; }));
    EXPECT_FALSE(owner.expired());
    StopAndWait(*task);
    EXPECT_TRUE(test::WaitUntil([&] { return owner.expired(); }));
}

}  // namespace
}  // namespace ivs
