// `ivs-server simulate publisher`: a publisher as IVS sees one. It takes a publisher token from
// the server, publishes to the token's WHIP endpoint (the master stage), keeps the session alive
// and publishes again when the session is lost (the emulator restarted, the session expired),
// and unpublishes on SIGINT/SIGTERM.

#include <optional>

#include "app/simulate.hpp"
#include "app/simulate_client.hpp"
#include "core/json_fields.hpp"

namespace ivs::simulate {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kWho = "publisher";
// The emulator ends a media session that stays silent for 30 s (ICE consent).
constexpr std::chrono::seconds kKeepAlive{5};
constexpr std::chrono::seconds kRetry{2};
// Keep-alives that fail in a row before the session is treated as lost.
constexpr int kMaxKeepAliveFailures = 3;

struct Published {
    MediaLeg leg;
    std::string stage_arn;
};

// A refusal no retry will change (bad key, invalid user id): the simulator stops.
bool IsPermanent(const ApiAnswer& a) {
    return a.status == 400 || a.status == 401 || a.status == 403;
}

// One attempt: a fresh token (its whip_url follows the emulator, wherever it runs now), then WHIP.
// nullopt with `fatal` set when the server refuses for good.
asio::awaitable<std::optional<Published>> Publish(SimClient& client, bool& fatal) {
    const auto& o = client.options();
    // Built outside the co_await: GCC 12 miscompiles a braced list of literals inside one.
    json::object body{{"userId", o.user_id}};
    auto answer = co_await client.Api(std::string("/api/token/publisher"), std::move(body));
    if (!answer) {
        Say(kWho, "server unreachable (" + answer.error().message + "); retrying");
        co_return std::nullopt;
    }
    if (!answer->ok()) {
        fatal = IsPermanent(*answer);
        Say(kWho, "publisher token refused: " + answer->Describe() + (fatal ? "" : "; retrying"));
        co_return std::nullopt;
    }
    const std::string token = json_fields::String(answer->data, "token");
    std::string whip = WhipUrlOf(token);
    if (whip.empty()) whip = json_fields::String(answer->data, "whipEndpoint");
    if (token.empty() || whip.empty()) {
        Say(kWho, "the publisher token names no WHIP endpoint; retrying");
        co_return std::nullopt;
    }
    auto leg = co_await client.OpenMedia(whip, token);
    if (!leg) {
        Say(kWho, "WHIP publish failed: " + leg.error().message + "; retrying");
        co_return std::nullopt;
    }
    Published p{std::move(*leg), json_fields::String(answer->data, "stageArn")};
    Say(kWho, "published as " + o.user_id + " (participant " + p.leg.participant_id +
                  ") to " + p.stage_arn + " via " + whip);
    co_return p;
}

// True while the session lives; false when the emulator no longer knows it.
asio::awaitable<bool> KeepAlive(SimClient& client, const Published& p, int& failures) {
    auto status = co_await client.MediaCall(std::string("PATCH"), p.leg.location);
    if (status && (*status == 404 || *status == 410)) {
        Say(kWho, "WHIP session lost (" + std::to_string(*status) + "); publishing again");
        co_return false;
    }
    if (status && *status < 300) {
        failures = 0;
        co_return true;
    }
    ++failures;
    Say(kWho, "keep-alive failed (" +
                  (status ? "status " + std::to_string(*status) : status.error().message) + ")");
    if (failures < kMaxKeepAliveFailures) co_return true;
    Say(kWho, "emulator unreachable; publishing again");
    co_return false;
}

asio::awaitable<void> Unpublish(SimClient& client, const Published& p) {
    auto status = co_await client.MediaCall(std::string("DELETE"), p.leg.location);
    if (status && *status < 300) {
        Say(kWho, "unpublished (participant " + p.leg.participant_id + ")");
    } else {
        Say(kWho, "unpublish failed (" +
                      (status ? "status " + std::to_string(*status) : status.error().message) +
                      ")");
    }
}

}  // namespace

asio::awaitable<int> RunPublisher(SimClient& client, StopSignal& stop) {
    std::optional<Published> published;
    int failures = 0;
    while (!stop.stopped()) {
        if (!published) {
            bool fatal = false;
            published = co_await Publish(client, fatal);
            if (fatal) co_return 1;
            failures = 0;
            if (!co_await stop.Sleep(published ? kKeepAlive : kRetry)) break;
            continue;
        }
        if (!co_await KeepAlive(client, *published, failures)) {
            published.reset();
            continue;
        }
        co_await stop.Sleep(kKeepAlive);
    }
    if (published) co_await Unpublish(client, *published);
    Say(kWho, "stopped");
    co_return 0;
}

}  // namespace ivs::simulate
