#include "app/adapter_options.hpp"
#include "live_support.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

#include "adapters/local/local_event_bus.hpp"
#include "core/log.hpp"

namespace ivs::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;

asio::awaitable<Result<ports::AudienceSnapshot>> ScriptedAudience::Snapshot() {
    std::lock_guard lock(mu_);
    if (failing_) co_return Error(Errc::unavailable, "hot store down");
    ports::AudienceSnapshot s = snap_;
    s.at = SystemClock::Instance().Now();
    co_return s;
}

void ScriptedAudience::Set(int total, std::vector<ports::StageViewerCount> stages, bool live) {
    std::lock_guard lock(mu_);
    snap_.total_viewers = total;
    snap_.stages = std::move(stages);
    snap_.publisher_live = live;
}

void ScriptedAudience::SetFailing(bool failing) {
    std::lock_guard lock(mu_);
    failing_ = failing;
}

LiveRig::LiveRig(Environment overrides, http::Authenticator::SessionVerifier verify_session)
    : dir_(std::make_unique<TempDir>()) {
    Environment env{{"API_PORT", "0"},          {"API_HOST", "127.0.0.1"},
                    {"DATA_DIR", dir_->path()}, {"API_SECRET_KEY", kKey},
                    {"LOG_LEVEL", "warn"},      {"RATE_LIMIT_MAX_REQUESTS", "1000000"}};
    for (auto& [k, v] : overrides) env[k] = v;
    auto loaded = LoadConfig(env);
    if (!loaded.errors.empty()) throw std::runtime_error("bad test config: " + loaded.errors[0]);
    config_ = loaded.config;
    log::Init(config_.log_level, log::Format::text);
    router_ = std::make_unique<http::Router>();
    ctx_ = std::make_unique<AppContext>(
        AppContext{config_, ioc_, SystemClock::Instance(), *router_, "rig"});
    ctx_->auth = std::make_unique<http::Authenticator>(AuthOptionsOf(config_), std::move(verify_session));
    ctx_->rate_limiter = http::MakeMemoryRateLimiter(ctx_->clock);
    ctx_->event_bus = adapters::MakeLocalEventBus();
    audience_ = std::make_shared<ScriptedAudience>();
    ctx_->audience_stats = audience_;
    WireLive(*ctx_);
    auto observers = ctx_->request_observers;
    pipeline_ = std::make_unique<http::Pipeline>(
        PipelineOptionsOf(config_), *router_, *ctx_->auth, *ctx_->rate_limiter,
        [observers](const http::RequestRecord& r) {
            for (const auto& o : observers) o(r);
        });
    server_ = std::make_unique<http::Server>(ioc_, ServerOptionsOf(config_), *pipeline_, ctx_->upgrades);
    server_->Start("127.0.0.1", 0);
    for (auto& f : ctx_->on_start) f();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
}

LiveRig::~LiveRig() {
    if (!stopped_) RunStopSteps();
    ioc_.stop();
    for (auto& t : threads_) t.join();
}

unsigned short LiveRig::port() const { return server_->Port(); }

void LiveRig::Publish(std::string type, json::object data) {
    ctx_->event_bus->Publish(ports::LiveEvent{std::move(type), std::move(data)});
}

void LiveRig::RunStopSteps() {
    stopped_ = true;
    server_->BeginShutdown();
    auto steps = ctx_->on_stop;
    auto done = asio::co_spawn(
        ioc_,
        [steps]() -> asio::awaitable<void> {
            for (auto it = steps.rbegin(); it != steps.rend(); ++it) co_await (*it)();
        },
        asio::use_future);
    done.wait_for(std::chrono::seconds(10));
}

unsigned WsClient::Connect(unsigned short port, const std::string& target,
                           const std::map<std::string, std::string>& headers) {
    ws_ = std::make_unique<websocket::stream<beast::tcp_stream>>(ioc_);
    auto& tcp = beast::get_lowest_layer(*ws_);
    tcp.expires_after(std::chrono::seconds(5));
    tcp.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    ws_->set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
        for (const auto& [k, v] : headers) req.set(k, v);
    }));
    websocket::response_type res;
    beast::error_code ec;
    ws_->handshake(res, "127.0.0.1:" + std::to_string(port), target, ec);
    tcp.expires_never();
    return res.result_int();
}

void WsClient::Send(const std::string& text) {
    ws_->text(true);
    ws_->write(asio::buffer(text));
}

std::optional<json::object> WsClient::Read(std::chrono::milliseconds timeout) {
    if (closed_) return std::nullopt;
    bool done = false;
    beast::error_code result;
    ws_->async_read(buffer_, [&](beast::error_code ec, std::size_t) {
        done = true;
        result = ec;
    });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!done) {
        // Timed out: abandon the connection (a websocket read cannot be resumed after cancel).
        beast::get_lowest_layer(*ws_).cancel();
        ioc_.restart();
        ioc_.run();
        closed_ = true;
        return std::nullopt;
    }
    if (result) {
        closed_ = true;
        if (result == websocket::error::closed) close_code_ = ws_->reason().code;
        return std::nullopt;
    }
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    boost::system::error_code jec;
    auto v = json::parse(text, jec);
    if (jec || !v.is_object()) return json::object{{"unparsed", text}};
    return v.as_object();
}

std::optional<json::object> WsClient::ReadUntil(
    const std::function<bool(const json::object&)>& match, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        auto m = Read(left);
        if (m && match(*m)) return m;
    }
    return std::nullopt;
}

void WsClient::Close() {
    if (!ws_ || closed_) return;
    beast::error_code ec;
    beast::get_lowest_layer(*ws_).expires_after(std::chrono::seconds(2));
    ws_->close(websocket::close_code::normal, ec);
    closed_ = true;
}

}  // namespace ivs::test
