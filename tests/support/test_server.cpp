#include "test_support.hpp"

#include "app/app.hpp"
#include "core/log.hpp"

namespace ivs::test {

struct TestServer::Impl {
    std::unique_ptr<App> app;
};

TestServer::TestServer(Environment overrides, Clock& clock)
    : data_dir_(std::make_unique<TempDir>()), impl_(std::make_unique<Impl>()) {
    Environment env{{"API_PORT", "0"},
                    {"API_HOST", "127.0.0.1"},
                    {"DATA_DIR", data_dir_->path()},
                    {"API_SECRET_KEY", kTestKey},
                    {"LOG_LEVEL", "warn"},
                    {"IO_THREADS", "2"},
                    {"RATE_LIMIT_MAX_REQUESTS", "1000000"},
                    {"SHUTDOWN_GRACE_SECONDS", "5"}};
    for (auto& [k, v] : overrides) env[k] = v;
    auto loaded = LoadConfig(env);
    if (!loaded.errors.empty()) {
        std::string all;
        for (const auto& e : loaded.errors) all += e + "; ";
        throw std::runtime_error("test configuration invalid: " + all);
    }
    log::Init(loaded.config.log_level, log::Format::text);
    impl_->app = std::make_unique<App>(std::move(loaded.config), clock);
    impl_->app->Start();
    impl_->app->RunInBackground();
}

TestServer::~TestServer() { Stop(); }

void TestServer::Stop() {
    if (impl_ && impl_->app) {
        impl_->app->Stop();
        impl_->app.reset();
    }
}

unsigned short TestServer::port() const { return impl_->app->Port(); }
const Config& TestServer::config() const { return impl_->app->config(); }
const http::Router& TestServer::router() const { return impl_->app->Routes(); }
std::shared_ptr<emulator::Emulator> TestServer::emulator() const { return impl_->app->Emulator(); }

HttpResponse TestServer::Call(const std::string& method, const std::string& target,
                              const std::string& body, std::map<std::string, std::string> headers) {
    if (!headers.count("x-api-key") && !headers.count("authorization") &&
        !headers.count("x-no-auth")) {
        headers["x-api-key"] = kTestKey;
    }
    headers.erase("x-no-auth");
    return HttpCall(port(), method, target, body, headers);
}

HttpResponse TestServer::Get(const std::string& target, std::map<std::string, std::string> headers) {
    return Call("GET", target, {}, std::move(headers));
}

HttpResponse TestServer::Post(const std::string& target, const boost::json::value& body,
                              std::map<std::string, std::string> headers) {
    return Call("POST", target, boost::json::serialize(body), std::move(headers));
}

HttpResponse TestServer::Put(const std::string& target, const boost::json::value& body,
                             std::map<std::string, std::string> headers) {
    return Call("PUT", target, boost::json::serialize(body), std::move(headers));
}

HttpResponse TestServer::Delete(const std::string& target, const boost::json::value& body,
                                std::map<std::string, std::string> headers) {
    return Call("DELETE", target, body.is_null() ? std::string{} : boost::json::serialize(body),
                std::move(headers));
}

}  // namespace ivs::test
