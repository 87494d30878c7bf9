// One stage-ARN rule for the whole API: the same ARN is accepted or refused identically by every
// endpoint that takes one (viewer, token, stage, history and stats), in the body, the path or the
// query.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace ivs::test {
namespace {

namespace json = boost::json;

// A well-formed ARN of a stage nobody created: every endpoint must get past validation.
const std::string kUnknownStage = "arn:aws:ivs:us-east-1:123456789012:stage/NoSuchStage01";

const std::vector<std::string> kMalformed = {
    "arn:aws:ivs:us-east-1:123456789012:channel/abc",  // not a stage
    "arn:aws:s3:us-east-1:123456789012:stage/abc",     // not IVS
    "arn:aws:ivs:us-east-1:12x:stage/abc",             // account id not 12 digits
    "arn:aws:ivs:us-east-1:123456789012:stage/",       // no resource id
    "arn:aws:ivs:us-east-1:123456789012:stage/a_b",    // a character IVS ids never hold
    "stage/abc",
};

std::string PathSegment(const std::string& arn) {
    std::string out;
    for (char c : arn) out += c == '/' ? std::string("%2F") : std::string(1, c);
    return out;
}

std::string Query(const std::string& arn) {
    std::string out;
    for (char c : arn)
        out += c == '/' ? std::string("%2F") : c == ':' ? std::string("%3A") : std::string(1, c);
    return out;
}

// Whether the answer refuses the ARN as invalid input (400 naming `field`).
bool RefusesArn(const HttpResponse& r, const std::string& field) {
    if (r.status != 400u) return false;
    auto v = r.Json();
    const auto* details = v.at("error").as_object().if_contains("details");
    if (!details) return false;
    const auto* invalid = details->as_object().if_contains("invalidFields");
    if (!invalid) return false;
    for (const auto& f : invalid->as_array()) {
        if (f == field.c_str()) return true;
    }
    return false;
}

struct Endpoint {
    std::string name;
    std::string field;  // how the endpoint names the ARN in invalidFields
    std::function<HttpResponse(TestServer&, const std::string&)> call;
};

std::vector<Endpoint> Endpoints() {
    auto body = [](const std::string& arn) {
        return json::object{{"userId", "arn-rule-user"}, {"stageArn", arn}};
    };
    return {
        {"POST /api/viewer/heartbeat", "stageArn",
         [=](TestServer& s, const std::string& a) {
             return s.Post("/api/viewer/heartbeat", body(a));
         }},
        {"POST /api/viewer/leave", "stageArn",
         [=](TestServer& s, const std::string& a) { return s.Post("/api/viewer/leave", body(a)); }},
        {"POST /api/token/viewer", "stageArn",
         [=](TestServer& s, const std::string& a) { return s.Post("/api/token/viewer", body(a)); }},
        {"GET /api/stage/:stageArn", "stageArn",
         [](TestServer& s, const std::string& a) { return s.Get("/api/stage/" + PathSegment(a)); }},
        {"GET /api/stage/replication/status/:stageArn", "stageArn",
         [](TestServer& s, const std::string& a) {
             return s.Get("/api/stage/replication/status/" + PathSegment(a));
         }},
        {"GET /api/viewer/list/:stageArn", "stageArn",
         [](TestServer& s, const std::string& a) {
             return s.Get("/api/viewer/list/" + PathSegment(a));
         }},
        {"GET /api/viewer/stats/:stageArn", "stageArn",
         [](TestServer& s, const std::string& a) {
             return s.Get("/api/viewer/stats/" + PathSegment(a));
         }},
        {"GET /api/stats/timeseries?stageArn=", "stageArn",
         [](TestServer& s, const std::string& a) {
             return s.Get("/api/stats/timeseries?stageArn=" + Query(a));
         }},
        {"GET /api/stats/stages?arn=", "arn",
         [](TestServer& s, const std::string& a) {
             return s.Get("/api/stats/stages?arn=" + Query(a));
         }},
    };
}

TEST(StageArnRule, EveryEndpointJudgesTheSameArnTheSameWay) {
    TestServer server;
    for (const auto& e : Endpoints()) {
        for (const auto& bad : kMalformed) {
            auto r = e.call(server, bad);
            EXPECT_TRUE(RefusesArn(r, e.field))
                << e.name << " with " << bad << ": " << r.status << " " << r.body;
        }
        auto r = e.call(server, kUnknownStage);
        EXPECT_FALSE(r.status == 400u || r.status >= 500u)
            << e.name << " refused a well-formed ARN: " << r.status << " " << r.body;
    }
}

}  // namespace
}  // namespace ivs::test
