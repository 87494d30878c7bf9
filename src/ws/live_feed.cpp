#include "ws/live_feed.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <set>

#include "core/json_text.hpp"
#include "core/time_format.hpp"

namespace ivs::ws {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

const std::set<std::string, std::less<>>& ForwardedEvents() {
    static const std::set<std::string, std::less<>> kTypes{
        "stage_created", "stage_draining", "stage_deleted", "publisher_live",
        "publisher_offline"};
    return kTypes;
}

Message Serialize(const json::object& o) {
    return std::make_shared<const std::string>(SerializeJson(o));
}

}  // namespace

LiveFeed::LiveFeed(asio::io_context& ioc, std::shared_ptr<Hub> hub,
                   std::shared_ptr<ports::AudienceStats> stats, const Clock& clock,
                   Options options)
    : pushes_loop_(std::make_shared<PeriodicTask>(
          asio::make_strand(asio::any_io_executor(ioc.get_executor())),
          PeriodicTask::Options{.name = "live feed"}, [this] { return PushWhenDue(); })),
      hub_(std::move(hub)),
      stats_(std::move(stats)),
      clock_(clock),
      options_(options),
      last_push_(std::chrono::steady_clock::now() - options_.max_interval) {}

void LiveFeed::Start() {
    if (!stats_) {
        spdlog::warn(
            "live feed: no audience stats service is wired; WebSocket stats_update pushes are "
            "disabled (stage and publisher events are still forwarded)");
        return;
    }
    pushes_loop_->Start(shared_from_this());
}

asio::awaitable<void> LiveFeed::Stop() { co_await pushes_loop_->Stop(); }

void LiveFeed::OnEvent(const ports::LiveEvent& event) {
    if (event.type == "stats_changed") {
        dirty_ = true;
    } else if (ForwardedEvents().count(event.type)) {
        dirty_ = true;
        json::object msg;
        msg["type"] = event.type;
        msg["data"] = event.data;
        msg["timestamp"] = FormatIso8601Millis(clock_.Now());
        std::vector<std::string> channels{"stats"};
        if (auto* arn = event.data.if_contains("stageArn"); arn && arn->is_string()) {
            channels.push_back("stage:" + std::string(arn->as_string()));
        }
        hub_->Publish(channels, Serialize(msg));
    } else {
        return;
    }
    if (stats_) pushes_loop_->Trigger();
}

json::object LiveFeed::StatsUpdate(const ports::AudienceSnapshot& s) {
    json::array stages;
    for (const auto& st : s.stages) {
        stages.push_back(json::object{{"stageArn", st.stage_arn},
                                      {"name", st.name},
                                      {"viewerCount", st.viewers},
                                      {"state", st.state},
                                      {"isMaster", st.is_master}});
    }
    std::string ts = FormatIso8601Millis(s.at);
    json::object data;
    data["totalViewers"] = s.total_viewers;
    data["viewerCount"] = s.total_viewers;  // the seed's field name, kept for old clients
    data["activeStages"] = static_cast<std::int64_t>(s.stages.size());
    data["isPublisherLive"] = s.publisher_live;
    data["stages"] = std::move(stages);
    data["timestamp"] = ts;
    return json::object{{"type", "stats_update"}, {"data", std::move(data)}, {"timestamp", ts}};
}

void LiveFeed::SendCurrentTo(std::shared_ptr<Subscriber> subscriber) {
    if (!stats_) return;
    asio::co_spawn(
        pushes_loop_->Executor(),
        [self = shared_from_this(), subscriber]() -> asio::awaitable<void> {
            auto snap = co_await self->stats_->Snapshot();
            if (snap) subscriber->Deliver(Serialize(StatsUpdate(*snap)));
        },
        asio::detached);
}

asio::awaitable<void> LiveFeed::PushStats() {
    dirty_ = false;
    if (hub_->SubscriberCount("stats") == 0) co_return;
    auto snap = co_await stats_->Snapshot();
    if (!snap) {
        spdlog::debug("live feed: audience snapshot failed: {}", snap.error().message);
        co_return;
    }
    hub_->Publish("stats", Serialize(StatsUpdate(*snap)));
    ++pushes_;
}

asio::awaitable<PeriodicTask::Wait> LiveFeed::PushWhenDue() {
    auto next = last_push_ + (dirty_ ? options_.min_interval : options_.max_interval);
    auto now = std::chrono::steady_clock::now();
    if (now < next) co_return next - now;
    last_push_ = now;
    co_await PushStats();
    co_return PeriodicTask::Wait::zero();
}

}  // namespace ivs::ws
