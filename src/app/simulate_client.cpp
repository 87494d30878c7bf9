#include "app/simulate_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <iostream>

#include "app/simulate_offer.hpp"
#include "core/crypto.hpp"
#include "core/json_fields.hpp"

namespace ivs::simulate {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string Origin(std::string_view url) {
    auto scheme = url.find("://");
    if (scheme == std::string_view::npos) return std::string(url);
    auto path = url.find('/', scheme + 3);
    return std::string(url.substr(0, path));
}

}  // namespace

StopSignal::StopSignal(asio::any_io_executor executor) : stop_timer_(executor) {
    stop_timer_.expires_at(asio::steady_timer::time_point::max());
}

void StopSignal::Stop() {
    stopped_ = true;
    stop_timer_.cancel();
}

asio::awaitable<bool> StopSignal::Sleep(std::chrono::milliseconds d) {
    if (stopped_) co_return false;
    asio::steady_timer sleep(co_await asio::this_coro::executor, d);
    co_await (sleep.async_wait(kTuple) || stop_timer_.async_wait(kTuple));
    co_return !stopped_;
}

std::string ApiAnswer::Describe() const {
    std::string s = std::to_string(status);
    if (!code.empty()) s += " " + code;
    if (!message.empty()) s += ": " + message;
    return s;
}

std::string WhipUrlOf(std::string_view token) {
    auto first = token.find('.');
    auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos) return {};
    std::string payload;
    if (!Base64UrlDecode(token.substr(first + 1, second - first - 1), payload)) return {};
    boost::system::error_code ec;
    json::value claims = json::parse(payload, ec);
    if (ec || !claims.is_object()) return {};
    return json_fields::String(claims.get_object(), "whip_url");
}

std::string SubscribeUrlOf(std::string_view whip_url) {
    constexpr std::string_view kWhip = "/whip";
    if (whip_url.size() >= kWhip.size() && whip_url.substr(whip_url.size() - kWhip.size()) == kWhip) {
        return std::string(whip_url.substr(0, whip_url.size() - kWhip.size())) + "/subscribe";
    }
    return Origin(whip_url) + "/subscribe";
}

std::string ResolveLocation(std::string_view request_url, std::string_view location) {
    if (location.find("://") != std::string_view::npos) return std::string(location);
    if (!location.empty() && location.front() == '/') return Origin(request_url) + std::string(location);
    std::string base(request_url);
    base = base.substr(0, base.rfind('/') + 1);
    return base + std::string(location);
}

SimClient::SimClient(asio::any_io_executor executor, SimulateOptions options)
    : options_(std::move(options)) {
    aws::HttpClientOptions http;
    http.max_idle_per_host = 64;
    http.user_agent = "ivs-server-simulate";
    http_ = std::make_shared<aws::HttpClient>(std::move(executor), http);
}

asio::awaitable<Result<ApiAnswer>> SimClient::Api(std::string path, json::object body,
                                                  std::string bearer) {
    aws::HttpRequest req;
    req.method = "POST";
    req.url = options_.url + path;
    req.timeout = options_.request_timeout;
    req.headers.emplace_back("Content-Type", "application/json");
    if (bearer.empty()) {
        req.headers.emplace_back("x-api-key", options_.api_key);
    } else {
        req.headers.emplace_back("Authorization", "Bearer " + bearer);
    }
    req.body = json::serialize(body);
    auto res = co_await http_->Send(std::move(req));
    if (!res) co_return res.error();
    ApiAnswer answer;
    answer.status = res->status;
    boost::system::error_code ec;
    json::value v = json::parse(res->body, ec);
    if (ec || !v.is_object()) {
        co_return Error(Errc::internal, "POST " + path + " answered " +
                                            std::to_string(res->status) + " without a JSON envelope");
    }
    const json::object& envelope = v.get_object();
    if (auto* data = envelope.if_contains("data"); data && data->is_object()) {
        answer.data = data->get_object();
    }
    if (auto* err = envelope.if_contains("error"); err && err->is_object()) {
        answer.code = json_fields::String(err->get_object(), "code");
        answer.message = json_fields::String(err->get_object(), "message");
    }
    if (auto retry = res->Header("retry-after")) answer.retry_after_seconds = std::atoi(retry->c_str());
    co_return answer;
}

asio::awaitable<Result<MediaLeg>> SimClient::OpenMedia(std::string endpoint, std::string token) {
    aws::HttpRequest req;
    req.method = "POST";
    req.url = endpoint;
    req.timeout = options_.request_timeout;
    req.headers.emplace_back("Content-Type", "application/sdp");
    req.headers.emplace_back("Authorization", "Bearer " + token);
    req.body = std::string(kMediaOffer);
    auto res = co_await http_->Send(std::move(req));
    if (!res) co_return res.error();
    auto location = res->Header("location");
    if (res->status != 201 || !location) {
        std::string detail = res->body.substr(0, 200);
        co_return Error(Errc::unavailable,
                        endpoint + " answered " + std::to_string(res->status) + " " + detail,
                        json::object{{"status", res->status}});
    }
    co_return MediaLeg{ResolveLocation(endpoint, *location),
                       res->Header("x-ivs-participant-id").value_or("")};
}

asio::awaitable<Result<unsigned>> SimClient::MediaCall(std::string method, std::string location) {
    aws::HttpRequest req;
    req.method = std::move(method);
    req.url = std::move(location);
    req.timeout = options_.request_timeout;
    auto res = co_await http_->Send(std::move(req));
    if (!res) co_return res.error();
    co_return res->status;
}

void Say(std::string_view who, std::string_view line) {
    std::cout << "simulate " << who << ": " << line << std::endl;
}

}  // namespace ivs::simulate
