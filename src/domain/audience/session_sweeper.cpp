#include "domain/audience/session_sweeper.hpp"

#include <spdlog/spdlog.h>

namespace ivs::audience {
namespace asio = boost::asio;

SessionSweeper::SessionSweeper(asio::any_io_executor executor,
                               std::shared_ptr<AudienceService> audience,
                               std::shared_ptr<ports::Leadership> leadership,
                               std::chrono::milliseconds interval,
                               Checkpoints checkpoints)
    : sweeps_(std::make_shared<PeriodicTask>(asio::make_strand(std::move(executor)),
                                             PeriodicTask::Options{.name = "session sweeper"},
                                             [this] { return Sweep(); })),
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

void SessionSweeper::Start() { sweeps_->Start(shared_from_this()); }

asio::awaitable<void> SessionSweeper::Stop() { co_await sweeps_->Stop(); }

asio::awaitable<PeriodicTask::Wait> SessionSweeper::Sweep() {
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
    co_return interval_;
}

}  // namespace ivs::audience
