#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ivs {

// A background loop: runs an awaitable step, waits for as long as the step asks, runs it again,
// until stopped. Steps run one at a time on the strand given at construction (several tasks may
// share one strand, so their steps never run in parallel). Start, Trigger and Stop are
// thread-safe and may be called more than once.
class PeriodicTask : public std::enable_shared_from_this<PeriodicTask> {
  public:
    using Strand = boost::asio::strand<boost::asio::any_io_executor>;
    using Wait = std::chrono::steady_clock::duration;
    // One pass of the work; returns how long to wait before the next one (zero: at once).
    using Step = std::function<boost::asio::awaitable<Wait>()>;

    struct Options {
        // Names the loop in the log: "<name> failed: ..." or "<name> stopped: ...".
        std::string name;
        // Before the first step (zero: the first step runs at Start).
        Wait first_wait = Wait::zero();
        // Unset: a step that throws ends the loop ("<name> stopped: <what>"). Set: the throw is
        // logged ("<name> failed: <what>") and the next step comes after this wait.
        std::optional<Wait> after_throw;
        // A Stop during the wait runs the step once more before the loop ends (a last batch).
        bool step_on_stop = false;
        // How long Stop waits for the step in progress to finish (unset: as long as it takes).
        std::optional<Wait> stop_wait = std::chrono::seconds(2);
        // A step still running when `stop_wait` has passed is cancelled (terminal cancellation
        // of its asynchronous operations), so a hung peer cannot hold up shutdown.
        bool cancel_after_stop_wait = false;
    };

    PeriodicTask(Strand strand, Options options, Step step);

    // Starts the loop (once; not after Stop). `owner` is kept alive until the loop has ended, so
    // a step may use the object that owns this task.
    template <class Owner>
    void Start(std::shared_ptr<Owner> owner) {
        Spawn([owner = std::move(owner)] {});
    }
    // Ends the wait in progress, or skips the next one when a step is running: the step runs
    // again as soon as possible. Triggers during one wait coalesce into one step.
    void Trigger();
    // Ends the wait in progress (or the loop after the step in progress), then waits until the
    // loop has ended (at most `stop_wait`).
    boost::asio::awaitable<void> Stop();
    // Stops several tasks together: all are asked to stop before the first is waited for, so
    // none starts another step while another one's step finishes.
    static boost::asio::awaitable<void> StopAll(std::vector<std::shared_ptr<PeriodicTask>> tasks);

    // True once a stop was asked for: long steps check it to end early.
    bool Stopping() const { return stopping_.load(); }
    bool Running() const { return running_.load(); }
    // The strand the steps run on, for work that must not run alongside them.
    const Strand& Executor() const { return strand_; }

  private:
    // `keep_alive` is released when the loop ends.
    void Spawn(std::function<void()> keep_alive);
    void RequestStop();
    boost::asio::awaitable<void> Loop();
    boost::asio::awaitable<Wait> RunStep();

    Strand strand_;
    boost::asio::steady_timer timer_;  // strand only
    const Options options_;
    const Step step_;
    std::atomic<bool> started_{false};
    std::atomic<bool> stopping_{false};
    std::atomic<bool> running_{false};
    std::atomic<bool> triggered_{false};
    boost::asio::cancellation_signal cancel_;  // strand only
};

}  // namespace ivs
