// One stage-ARN rule for the whole API: the same ARN is accepted or refused identically by every
// endpoint that takes one (viewer, token, stage, history and stats), in the body, the path or the
// query.

#include <gtest/gtest.h>

#include <boost/json.hpp>
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

// Where an endpoint takes the ARN: in the JSON body (with a user id), as the last path segment,
// or as a query parameter.
enum class Place { body, path, query };

struct Endpoint {
    std::string method;
    std::string target;  // the path, or the path up to the query parameter's value
    Place place;
    std::string field = "stageArn";  // how the endpoint names the ARN in invalidFields

    std::string Name() const { return method + " " + target; }

    HttpResponse Call(TestServer& s, const std::string& arn) const {
        switch (place) {
            case Place::body:
                return s.Post(target, json::object{{"userId", "arn-rule-user"}, {"stageArn", arn}});
            case Place::path:
                return s.Get(target + PathSegment(arn));
            case Place::query:
                return s.Get(target + Query(arn));
        }
        return {};
    }
};

const std::vector<Endpoint> kEndpoints = {
    {"POST", "/api/viewer/heartbeat", Place::body},
    {"POST", "/api/viewer/leave", Place::body},
    {"POST", "/api/token/viewer", Place::body},
    {"GET", "/api/stage/", Place::path},
    {"GET", "/api/stage/replication/status/", Place::path},
    {"GET", "/api/viewer/list/", Place::path},
    {"GET", "/api/viewer/stats/", Place::path},
    {"GET", "/api/stats/timeseries?stageArn=", Place::query},
    {"GET", "/api/stats/stages?arn=", Place::query, "arn"},
};

TEST(StageArnRule, EveryEndpointJudgesTheSameArnTheSameWay) {
    TestServer server;
    for (const auto& e : kEndpoints) {
        for (const auto& bad : kMalformed) {
            auto r = e.Call(server, bad);
            EXPECT_TRUE(RefusesArn(r, e.field))
                << e.Name() << " with " << bad << ": " << r.status << " " << r.body;
        }
        auto r = e.Call(server, kUnknownStage);
        EXPECT_FALSE(r.status == 400u || r.status >= 500u)
            << e.Name() << " refused a well-formed ARN: " << r.status << " " << r.body;
    }
}

}  // namespace
}  // namespace ivs::test
