#include "live_publisher.hpp"

#include <chrono>

#include "app/simulate_offer.hpp"

namespace ivs::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// Long enough for a server that is still creating its master stage, or an event that goes
// through a standalone emulator's delivery; a healthy path takes milliseconds.
constexpr auto kDeadline = 30s;
// Well inside the emulator's media timeout (IVS ends a session whose ICE consent stops).
constexpr auto kRefreshEvery = 5s;

// "http://127.0.0.1:PORT/path" -> port and path; false for anything else (the test client
// reaches loopback only).
bool SplitLoopbackUrl(const std::string& url, unsigned short* port, std::string* path) {
    for (const std::string prefix : {"http://127.0.0.1:", "http://localhost:"}) {
        if (url.rfind(prefix, 0) != 0) continue;
        const auto slash = url.find('/', prefix.size());
        const std::string digits = url.substr(prefix.size(), slash - prefix.size());
        if (digits.empty() || digits.size() > 5 ||
            digits.find_first_not_of("0123456789") != std::string::npos) {
            return false;
        }
        const int n = std::stoi(digits);
        if (n <= 0 || n > 65535) return false;
        *port = static_cast<unsigned short>(n);
        *path = slash == std::string::npos ? "/" : url.substr(slash);
        return true;
    }
    return false;
}

const json::value* Find(const json::value& v, std::initializer_list<const char*> keys) {
    const json::value* at = &v;
    for (const char* k : keys) {
        if (!at->is_object()) return nullptr;
        at = at->as_object().if_contains(k);
        if (!at) return nullptr;
    }
    return at;
}

std::string StringAt(const json::value& v, std::initializer_list<const char*> keys) {
    const json::value* at = Find(v, keys);
    return at && at->is_string() ? std::string(at->as_string()) : std::string();
}

json::value JsonOf(const HttpResponse& r) {
    try {
        return r.Json();
    } catch (const std::exception&) {
        return nullptr;
    }
}

}  // namespace

LivePublisher::LivePublisher(unsigned short port, std::string api_key, std::string user_id)
    : port_(port), api_key_(std::move(api_key)) {
    if (!Publish(user_id)) {
        ADD_FAILURE() << "the simulated publisher could not publish: " << error_;
        return;
    }
    refresher_ = std::thread([this] { KeepAlive(); });
    if (!WaitUntilServerSaysLive()) {
        ADD_FAILURE() << "the broadcast did not go live: " << error_;
        return;
    }
    live_ = true;
}

LivePublisher::~LivePublisher() { Stop(); }

bool LivePublisher::Publish(const std::string& user_id) {
    // 503 until the server has its master stage.
    HttpResponse token;
    WaitUntil(
        [&] {
            token = TryHttpCall(port_, "POST", "/api/token/publisher",
                                json::serialize(json::object{{"userId", user_id}}),
                                {{"x-api-key", api_key_}, {"content-type", "application/json"}});
            return token.status == 200;
        },
        kDeadline, 50ms);
    if (token.status != 200) {
        error_ = "POST /api/token/publisher answered " + std::to_string(token.status) + " " +
                 token.body;
        return false;
    }
    const json::value data = JsonOf(token);
    const std::string bearer = StringAt(data, {"data", "token"});
    const std::string whip = StringAt(data, {"data", "whipEndpoint"});
    std::string whip_path;
    if (bearer.empty() || !SplitLoopbackUrl(whip, &whip_port_, &whip_path)) {
        error_ = "the publisher token has no token or no loopback whipEndpoint: " + token.body;
        return false;
    }
    const HttpResponse answer =
        TryHttpCall(whip_port_, "POST", whip_path, std::string(simulate::kMediaOffer),
                    {{"authorization", "Bearer " + bearer}, {"content-type", "application/sdp"}});
    session_path_ = answer.Header("location");
    participant_id_ = answer.Header("x-ivs-participant-id");
    if (answer.status != 201 || session_path_.empty() || participant_id_.empty()) {
        error_ = "WHIP POST " + whip + " answered " + std::to_string(answer.status) + " " +
                 answer.body;
        session_path_.clear();
        return false;
    }
    if (session_path_.rfind("http", 0) == 0) {  // an absolute Location
        unsigned short port = 0;
        std::string path;
        if (SplitLoopbackUrl(session_path_, &port, &path)) session_path_ = path;
    }
    return true;
}

bool LivePublisher::WaitUntilServerSaysLive() {
    const std::map<std::string, std::string> key{{"x-api-key", api_key_}};
    std::string last;
    const bool live = WaitUntil(
        [&] {
            const auto info = TryHttpCall(port_, "GET", "/api/stage/replication/publisher-info",
                                          {}, key);
            const auto stats = TryHttpCall(port_, "GET", "/api/stats/publisher", {}, key);
            last = info.body + " " + stats.body;
            const json::value said = JsonOf(stats);
            const json::value* on = Find(said, {"data", "isPublisherLive"});
            return StringAt(JsonOf(info), {"data", "publisherInfo", "participantId"}) ==
                       participant_id_ &&
                   on && on->is_bool() && on->as_bool();
        },
        kDeadline, 50ms);
    if (!live) {
        error_ = "participant " + participant_id_ + " publishes, but the server says: " + last;
    }
    return live;
}

void LivePublisher::KeepAlive() {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, kRefreshEvery, [&] { return stopping_; })) {
        lock.unlock();
        // A server that was killed or restarted answers nothing or 404: nothing to keep.
        TryHttpCall(whip_port_, "PATCH", session_path_);
        lock.lock();
    }
}

void LivePublisher::Stop() {
    {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (refresher_.joinable()) refresher_.join();
    if (!session_path_.empty()) TryHttpCall(whip_port_, "DELETE", session_path_);
    live_ = false;
}

}  // namespace ivs::test
