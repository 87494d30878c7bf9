#pragma once

// Helpers of the audience endpoint suites (audience_test.cpp, audience_load_test.cpp): the
// whole app in embedded mode with an app and a read key, and a broadcaster live in its master.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <string>

#include "live_publisher.hpp"
#include "test_support.hpp"

namespace ivs::test::audience_http {

namespace json = boost::json;

constexpr const char* kAppKey = "app-key-0123456789abcdef";
constexpr const char* kReadKey = "read-key-0123456789abcdef";
constexpr const char* kInternal = "internal-secret-xyz";
inline const std::string kUnknownStage = "arn:aws:ivs:us-east-1:123456789012:stage/doesNotExist1";

inline Environment Env(Environment extra = {}) {
    Environment env{{"API_KEYS", std::string("app1:app:") + kAppKey + ",reader:read:" + kReadKey}};
    for (auto& [k, v] : extra) env[k] = v;
    return env;
}

inline std::map<std::string, std::string> App() { return {{"x-api-key", kAppKey}}; }
inline std::map<std::string, std::string> Bearer(const std::string& token) {
    return {{"authorization", "Bearer " + token}};
}

inline json::object Data(const HttpResponse& r) {
    auto v = r.Json();
    return v.as_object().at("data").as_object();
}
inline std::string ErrorCode(const HttpResponse& r) {
    return std::string(r.Json().as_object().at("error").as_object().at("code").as_string());
}
inline json::object ErrorDetails(const HttpResponse& r) {
    const json::value v = r.Json();
    const auto& e = v.as_object().at("error").as_object();
    return e.contains("details") ? e.at("details").as_object() : json::object{};
}
inline std::string Str(const json::object& o, const char* key) { return std::string(o.at(key).as_string()); }

// The master stage once the stage wiring registered it (the publisher token targets it).
inline std::string WaitForMaster(TestServer& s) {
    std::string arn;
    EXPECT_TRUE(WaitUntil([&] {
        auto r = s.Post("/api/token/publisher", json::object{{"userId", "caster"}});
        if (r.status != 200) return false;
        arn = Str(Data(r), "stageArn");
        return true;
    }));
    return arn;
}

// The master stage, with a publisher live in it (WHIP through the emulator): what every
// viewer join needs with the default REQUIRE_LIVE_PUBLISHER=true.
inline std::string MasterWithPublisher(TestServer& s, std::unique_ptr<LivePublisher>& publisher) {
    const std::string master = WaitForMaster(s);
    publisher = PublishLive(s);
    EXPECT_TRUE(publisher->live()) << publisher->error();
    return master;
}

inline int ListCount(TestServer& s, const std::string& stage) {
    auto r = s.Get("/api/viewer/list/" + stage);
    if (r.status != 200) return -1;
    return static_cast<int>(Data(r).at("viewers").as_array().size());
}

inline json::object JoinOk(TestServer& s, const std::string& user, const std::string& stage = {}) {
    json::object body{{"userId", user}};
    if (!stage.empty()) body["stageArn"] = stage;
    auto r = s.Post("/api/token/viewer", body, App());
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.status == 200 ? Data(r) : json::object{};
}
}  // namespace ivs::test::audience_http
