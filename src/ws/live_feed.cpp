#include "ws/live_feed.hpp"
#include "core/background.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
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
    : strand_(asio::make_strand(ioc)),
      timer_(strand_),
      hub_(std::move(hub)),
      stats_(std::move(stats)),
      clock_(clock),
      options_(options) {}

void LiveFeed::Start() {
    if (!stats_) {
        spdlog::warn(
            "live feed: no audience stats service is wired; WebSocket stats_update pushes are "
            "disabled (stage and publisher events are still forwarded)");
        return;
    }
    running_ = true;
    asio::co_spawn(strand_, [self = shared_from_this()] { return self->Loop(); },
                   OnLoopExit(shared_from_this(), running_, "live feed"));
}

asio::awaitable<void> LiveFeed::Stop() {
    stopped_ = true;
    co_await asio::post(strand_, asio::use_awaitable);
    timer_.cancel();
    asio::steady_timer wait(co_await asio::this_coro::executor);
    for (int i = 0; i < 200 && running_; ++i) {
        wait.expires_after(std::chrono::milliseconds(10));
        boost::system::error_code ec;
        co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

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
    if (stats_) asio::post(strand_, [self = shared_from_this()] { self->timer_.cancel(); });
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
        strand_,
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

asio::awaitable<void> LiveFeed::Loop() {
    auto last_push = std::chrono::steady_clock::now() - options_.max_interval;
    while (!stopped_) {
        auto next = last_push + (dirty_ ? options_.min_interval : options_.max_interval);
        if (std::chrono::steady_clock::now() >= next) {
            last_push = std::chrono::steady_clock::now();
            co_await PushStats();
            continue;
        }
        timer_.expires_at(next);
        boost::system::error_code ec;
        co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

}  // namespace ivs::ws
