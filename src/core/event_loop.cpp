#include "core/event_loop.hpp"

#include <sched.h>

namespace ivs {

void RunEventLoop(boost::asio::io_context& ioc, std::chrono::microseconds spin) {
    if (spin.count() <= 0) {
        ioc.run();
        return;
    }
    using Clock = std::chrono::steady_clock;
    for (;;) {
        // Everything ready, without blocking.
        if (ioc.poll() > 0) continue;
        if (ioc.stopped()) return;
        // Nothing ready: look again for a while before sleeping. sched_yield lets any other
        // runnable thread on this core go first, so the wait takes no time from real work.
        bool ran = false;
        for (const auto until = Clock::now() + spin; !ran && Clock::now() < until;) {
            ran = ioc.poll_one() > 0;
            if (!ran) {
                if (ioc.stopped()) return;
                sched_yield();
            }
        }
        // Still nothing: sleep until the next handler is ready (0: stopped or out of work).
        if (!ran && ioc.run_one() == 0) return;
    }
}

}  // namespace ivs
