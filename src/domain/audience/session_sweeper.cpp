#include "domain/audience/session_sweeper.hpp"
#include "core/background.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace ivs::audience {
namespace asio = boost::asio;

SessionSweeper::SessionSweeper(asio::any_io_executor executor,
                               std::shared_ptr<AudienceService> audience,
                               std::shared_ptr<ports::Leadership> leadership,
                               std::chrono::milliseconds interval,
                               Checkpoints checkpoints)
    : strand_(asio::make_strand(std::move(executor))),
      timer_(strand_),
      audience_(std::move(audience)),
      leadership_(std::move(leadership)),
      interval_(interval),
      checkpoints_(std::move(checkpoints)) {}

std::chrono::milliseconds SessionSweeper::IntervalFor(int heartbeat_timeout_seconds) {
    auto half = std::chrono::milliseconds(std::max(heartbeat_timeout_seconds, 1) * 500);
    return std::clamp(half, std::chrono::milliseconds(200), std::chrono::milliseconds(5000));
}

asio::awaitable<void> SessionSweeper::Checkpoint() {
    auto now = std::chrono::steady_clock::now();
    if (!checkpoints_.sink || now < next_checkpoint_) co_return;
    next_checkpoint_ = now + checkpoints_.every;
    auto live = co_await audience_->LiveSessions();
    if (!live) {
        spdlog::warn("heartbeat checkpoint skipped: {}", live.error().message);
        co_return;
    }
    std::vector<ports::HeartbeatCheckpoint> checkpoints;
    checkpoints.reserve(live->size());
    for (const auto& s : *live) checkpoints.push_back({s.session_id, s.last_heartbeat});
    if (!checkpoints.empty()) checkpoints_.sink->RecordHeartbeats(std::move(checkpoints));
}

void SessionSweeper::Start() {
    running_ = true;
    asio::co_spawn(strand_, [self = shared_from_this()] { return self->Loop(); },
                   OnLoopExit(shared_from_this(), running_, "session sweeper"));
}

asio::awaitable<void> SessionSweeper::Loop() {
    while (!stopping_) {
        if (!leadership_ || leadership_->IsLeader()) {
            auto swept = co_await audience_->SweepExpired();
            if (swept) {
                ended_ += *swept;
                if (*swept > 0) spdlog::debug("sweeper ended {} silent session(s)", *swept);
            } else {
                spdlog::warn("session sweep failed: {}", swept.error().message);
            }
            co_await Checkpoint();
        }
        if (stopping_) break;
        timer_.expires_after(interval_);
        co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

asio::awaitable<void> SessionSweeper::Stop() {
    stopping_ = true;
    asio::post(strand_, [self = shared_from_this()] { self->timer_.cancel(); });
    asio::steady_timer wait(co_await asio::this_coro::executor);
    for (int i = 0; i < 200 && running_; ++i) {
        wait.expires_after(std::chrono::milliseconds(10));
        co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

}  // namespace ivs::audience
