// `ivs-server simulate viewers --count N`: N viewers as the product's clients behave. Each takes
// a viewer token (userId sim-viewer-<i>), joins its stage at the emulator's subscribe endpoint
// with that token, heartbeats with its session token every heartbeatIntervalSeconds (and keeps
// its media session alive), joins again when its session is gone, and on SIGINT/SIGTERM closes
// its media session and leaves.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>

#include "app/simulate.hpp"
#include "app/simulate_client.hpp"
#include "core/json_fields.hpp"

namespace ivs::simulate {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kWho = "viewers";
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// Media keep-alives must beat the emulator's 30 s consent timeout.
constexpr std::chrono::seconds kMediaKeepAlive{10};
constexpr std::chrono::seconds kJoinRetry{3};
// Refusals printed before the simulator only counts them.
constexpr int kRefusalsPrinted = 5;

struct Viewer {
    std::string user_id;
    std::string stage_arn;
    std::string session_id;
    std::string session_token;
    std::chrono::seconds heartbeat_interval{30};
    std::optional<MediaLeg> leg;
};

// Shared by every viewer of one run (one thread).
struct Crowd {
    Crowd(asio::any_io_executor ex, int count, int concurrency)
        : count(count), concurrency(concurrency), idle(ex), gate(ex) {
        gate.expires_at(asio::steady_timer::time_point::max());
    }
    const int count;
    const int concurrency;
    int joined = 0;  // viewers holding a seat now
    int joining = 0;  // first joins in flight
    int refusals = 0;
    int active = 0;  // viewer coroutines still running
    std::set<std::string> stages;
    asio::steady_timer idle;  // cancelled when `active` drops to 0
    asio::steady_timer gate;  // one waiter woken per finished first join

    void Done() {
        if (--active == 0) idle.cancel();
    }
};

bool Milestone(int joined, int count) {
    return count <= 20 || joined == count || joined % std::max(1, count / 10) == 0;
}

// Seats viewer `user_id` (retrying while the server refuses) and opens its subscribe session.
asio::awaitable<std::optional<Viewer>> Join(SimClient& client, StopSignal& stop, Crowd& crowd,
                                            const std::string& user_id) {
    while (!stop.stopped()) {
        // Built outside the co_await: GCC 12 miscompiles a braced list of literals inside one.
        json::object body{{"userId", user_id}};
        auto answer = co_await client.Api(std::string("/api/token/viewer"), std::move(body));
        if (answer && answer->ok()) {
            Viewer v;
            v.user_id = user_id;
            v.stage_arn = json_fields::String(answer->data, "stageArn");
            v.session_id = json_fields::String(answer->data, "sessionId");
            v.session_token = json_fields::String(answer->data, "sessionToken");
            if (auto* s = answer->data.if_contains("heartbeatIntervalSeconds"); s && s->is_int64()) {
                v.heartbeat_interval = std::chrono::seconds(std::max<std::int64_t>(1, s->as_int64()));
            }
            const std::string token = json_fields::String(answer->data, "token");
            auto leg = co_await client.OpenMedia(SubscribeUrlOf(WhipUrlOf(token)), token);
            if (leg) {
                v.leg = std::move(*leg);
            } else {
                Say(kWho, user_id + " seated but subscribe failed: " + leg.error().message);
            }
            co_return v;
        }
        std::chrono::milliseconds wait = kJoinRetry;
        if (answer && answer->status == 429) {
            wait = std::chrono::seconds(std::max(1, answer->retry_after_seconds));
        } else if (++crowd.refusals <= kRefusalsPrinted) {
            Say(kWho, user_id + " join refused: " +
                          (answer ? answer->Describe() : answer.error().message) + "; retrying");
        }
        co_await stop.Sleep(wait);
    }
    co_return std::nullopt;
}

asio::awaitable<void> Leave(SimClient& client, const Viewer& v) {
    if (v.leg) co_await client.MediaCall(std::string("DELETE"), v.leg->location);
    json::object body{{"userId", v.user_id}, {"stageArn", v.stage_arn}, {"sessionId", v.session_id}};
    auto left = co_await client.Api(std::string("/api/viewer/leave"), std::move(body), v.session_token);
    if (!left || !left->ok()) {
        Say(kWho, v.user_id + " leave failed: " + (left ? left->Describe() : left.error().message));
    }
}

// False when the server no longer knows the session (expired, ended): the viewer joins again.
asio::awaitable<bool> Heartbeat(SimClient& client, const Viewer& v) {
    json::object body{{"userId", v.user_id}, {"stageArn", v.stage_arn}, {"sessionId", v.session_id}};
    auto hb = co_await client.Api(std::string("/api/viewer/heartbeat"), std::move(body), v.session_token);
    if (hb && !hb->ok()) {
        Say(kWho, v.user_id + " heartbeat refused: " + hb->Describe());
        co_return !(hb->status == 401 || hb->status == 403 || hb->status == 404);
    }
    co_return true;
}

// One seated viewer until the stop: heartbeats, media keep-alives, rejoins; then leaves.
asio::awaitable<void> Watch(SimClient& client, StopSignal& stop, Crowd& crowd, Viewer& v) {
    const auto tick = std::min<std::chrono::seconds>(kMediaKeepAlive, v.heartbeat_interval);
    auto next_heartbeat = std::chrono::steady_clock::now() + v.heartbeat_interval;
    for (;;) {
        // Not in the loop condition: GCC 12 mishandles a co_await there.
        const bool running = co_await stop.Sleep(tick);
        if (!running) break;
        if (v.leg) co_await client.MediaCall(std::string("PATCH"), v.leg->location);
        if (std::chrono::steady_clock::now() < next_heartbeat) continue;
        next_heartbeat = std::chrono::steady_clock::now() + v.heartbeat_interval;
        if (co_await Heartbeat(client, v)) continue;
        --crowd.joined;
        if (v.leg) co_await client.MediaCall(std::string("DELETE"), v.leg->location);
        auto again = co_await Join(client, stop, crowd, v.user_id);
        if (!again) co_return;
        v = std::move(*again);
        ++crowd.joined;
        Say(kWho, v.user_id + " joined again (" + v.stage_arn + ")");
    }
    co_await Leave(client, v);
    --crowd.joined;
}

// Viewer `index`: its first join waits for one of `concurrency` slots, then it watches.
asio::awaitable<void> Live(SimClient& client, StopSignal& stop, Crowd& crowd, int index) {
    while (crowd.joining >= crowd.concurrency && !stop.stopped()) {
        co_await crowd.gate.async_wait(kTuple);
    }
    ++crowd.joining;
    auto v = co_await Join(client, stop, crowd, "sim-viewer-" + std::to_string(index));
    --crowd.joining;
    crowd.gate.cancel_one();
    if (!v) co_return;
    ++crowd.joined;
    crowd.stages.insert(v->stage_arn);
    if (Milestone(crowd.joined, crowd.count)) {
        Say(kWho, std::to_string(crowd.joined) + "/" + std::to_string(crowd.count) +
                      " joined, on " + std::to_string(crowd.stages.size()) + " stage(s)");
    }
    co_await Watch(client, stop, crowd, *v);
}

}  // namespace

asio::awaitable<int> RunViewers(SimClient& client, StopSignal& stop) {
    auto ex = co_await asio::this_coro::executor;
    const auto& o = client.options();
    // Outlives every viewer coroutine: this one returns only once `active` is 0.
    auto crowd = std::make_shared<Crowd>(ex, o.count, std::max(1, o.concurrency));
    Say(kWho, "joining " + std::to_string(o.count) + " viewer(s) at " + o.url);
    for (int i = 0; i < o.count; ++i) {
        ++crowd->active;
        asio::co_spawn(ex, Live(client, stop, *crowd, i),
                       [crowd](std::exception_ptr) { crowd->Done(); });
    }
    while (crowd->active > 0) {
        crowd->idle.expires_at(asio::steady_timer::time_point::max());
        co_await crowd->idle.async_wait(kTuple);
    }
    Say(kWho, "all viewers left; stopped");
    co_return 0;
}

}  // namespace ivs::simulate
