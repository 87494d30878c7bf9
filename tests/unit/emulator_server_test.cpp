// The emulator's wire server spoken to with raw HTTP: SigV4 enforcement, AWS error shapes, the
// tag routes, fault injection and the control API.

#include <gtest/gtest.h>

#include <regex>

#include "adapters/aws/sigv4.hpp"
#include "adapters/aws/credentials.hpp"
#include "adapters/ivs/emulator_server.hpp"
#include "test_support.hpp"

namespace ivs::emulator {
namespace {

class EmulatorServerTest : public ::testing::Test {
protected:
    test::HttpResponse Signed(const std::string& method, const std::string& target,
                              const std::string& body, const std::string& secret = "test") {
        auto q = target.find('?');
        aws::HttpRequestToSign r;
        r.method = method;
        r.path = target.substr(0, q);
        r.query = q == std::string::npos ? "" : target.substr(q + 1);
        r.headers = {{"host", "127.0.0.1"}, {"content-type", "application/json"}};
        r.body = body;
        aws::SigV4Params p;
        p.region = "us-east-1";
        p.service = "ivs";
        p.time = std::chrono::system_clock::now();
        aws::SignRequest(r, {"test", secret, "", std::nullopt}, p);
        std::map<std::string, std::string> headers(r.headers.begin(), r.headers.end());
        return test::HttpCall(server_.Port(), method, target, body, headers);
    }

    std::shared_ptr<Emulator> emu_ = std::make_shared<Emulator>();
    BackgroundEmulatorServer server_{emu_};
};

TEST_F(EmulatorServerTest, SignedCallsWorkAndUnsignedOrWrongOnesAreRefused) {
    auto ok = Signed("POST", "/CreateStage", R"({"name":"wire"})");
    ASSERT_EQ(ok.status, 200u) << ok.body;
    EXPECT_EQ(ok.Json().at("stage").at("name").as_string(), "wire");
    EXPECT_FALSE(ok.Header("x-amzn-requestid").empty());

    auto wrong = Signed("POST", "/ListStages", "{}", "not-the-secret");
    EXPECT_EQ(wrong.status, 403u);
    EXPECT_EQ(wrong.Header("x-amzn-errortype"), "InvalidSignatureException");

    auto unsigned_call = test::HttpCall(server_.Port(), "POST", "/ListStages", "{}");
    EXPECT_TRUE(unsigned_call.status == 400u || unsigned_call.status == 403u) << unsigned_call.status;
    EXPECT_FALSE(unsigned_call.Header("x-amzn-errortype").empty());
    EXPECT_EQ(emu_->ApiCalls(), 1u);  // refused calls never reach the emulator
}

TEST_F(EmulatorServerTest, ErrorsHaveTheAwsShape) {
    auto r = Signed("POST", "/GetStage", R"({"arn":"arn:aws:ivs:us-east-1:123456789012:stage/missingStage"})");
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(r.Header("x-amzn-errortype"), "ResourceNotFoundException");
    auto body = r.Json().as_object();
    EXPECT_TRUE(body.contains("exceptionMessage"));
    EXPECT_EQ(body.at("message"), body.at("exceptionMessage"));

    r = Signed("POST", "/CreateStage", R"({"name":"bad name"})");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(r.Header("x-amzn-errortype"), "ValidationException");
    r = Signed("POST", "/CreateStage", R"({"name":42})");
    EXPECT_EQ(r.Header("x-amzn-errortype"), "ValidationException");
    r = Signed("POST", "/CreateStage", "{not json");
    EXPECT_EQ(r.Header("x-amzn-errortype"), "ValidationException");
    r = Signed("POST", "/NoSuchOperation", "{}");
    EXPECT_EQ(r.status, 404u);
    r = Signed("POST", "/ImportPublicKey", R"({"publicKeyMaterial":"x"})");
    EXPECT_EQ(r.status, 400u);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(emu_->CreateStage({"s", {}}).has_value());
    EmulatorOptions small;
    small.max_stages = 3;
    auto tiny = std::make_shared<Emulator>(small);
    BackgroundEmulatorServer tiny_server(tiny);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(tiny->CreateStage({"s", {}}).has_value());
    aws::HttpRequestToSign req{"POST", "/CreateStage", "", {{"host", "127.0.0.1"}}, "{}"};
    aws::SigV4Params p{"us-east-1", "ivs", std::chrono::system_clock::now()};
    aws::SignRequest(req, {"test", "test", "", std::nullopt}, p);
    auto quota = test::HttpCall(tiny_server.Port(), "POST", "/CreateStage", "{}",
                                std::map<std::string, std::string>(req.headers.begin(), req.headers.end()));
    EXPECT_EQ(quota.status, 402u);
    EXPECT_EQ(quota.Header("x-amzn-errortype"), "ServiceQuotaExceededException");
}

TEST_F(EmulatorServerTest, TagRoutesTakePercentEncodedArns) {
    auto stage = emu_->CreateStage({"tags", {{"a", "1"}}});
    ASSERT_TRUE(stage.has_value());
    std::string encoded = aws::UriEncode(stage->arn);
    auto r = Signed("POST", "/tags/" + encoded, R"({"tags":{"b":"2","c":"3"}})");
    ASSERT_EQ(r.status, 200u) << r.body;
    r = Signed("DELETE", "/tags/" + encoded + "?tagKeys=a&tagKeys=c", "");
    ASSERT_EQ(r.status, 200u) << r.body;
    r = Signed("GET", "/tags/" + encoded, "");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.Json().at("tags"), (boost::json::object{{"b", "2"}}));
}

TEST_F(EmulatorServerTest, FaultInjectionAndControlApi) {
    auto f = test::HttpCall(server_.Port(), "POST", "/_emulator/faults",
                            R"({"status":503,"errorType":"ServiceUnavailableException","count":2})");
    ASSERT_EQ(f.status, 200u) << f.body;
    for (int i = 0; i < 2; ++i) {
        auto r = Signed("POST", "/ListStages", "{}");
        EXPECT_EQ(r.status, 503u);
        EXPECT_EQ(r.Header("x-amzn-errortype"), "ServiceUnavailableException");
    }
    EXPECT_EQ(Signed("POST", "/ListStages", "{}").status, 200u);
    test::HttpCall(server_.Port(), "POST", "/_emulator/faults", R"({"status":429,"errorType":"TooManyRequestsException","count":5})");
    EXPECT_EQ(Signed("POST", "/ListStages", "{}").status, 429u);
    EXPECT_EQ(test::HttpCall(server_.Port(), "DELETE", "/_emulator/faults").status, 200u);
    EXPECT_EQ(Signed("POST", "/ListStages", "{}").status, 200u);
    auto stats = test::HttpCall(server_.Port(), "GET", "/_emulator/stats");
    EXPECT_EQ(stats.Json().at("apiCalls").to_number<int>(), 5);

    auto stage = *emu_->CreateStage({"ctl", {}});
    auto token = *emu_->CreateParticipantToken({stage.arn, "u", 60, {}, {}});
    boost::json::object join{{"stageArn", stage.arn}, {"token", token.token}};
    auto joined = test::HttpCall(server_.Port(), "POST", "/_emulator/join", boost::json::serialize(join));
    ASSERT_EQ(joined.status, 200u) << joined.body;
    std::string pid(joined.Json().at("participantId").as_string());
    std::string session(joined.Json().at("sessionId").as_string());
    boost::json::object who{{"stageArn", stage.arn}, {"participantId", pid}};
    EXPECT_EQ(test::HttpCall(server_.Port(), "POST", "/_emulator/publish", boost::json::serialize(who)).status, 200u);
    auto listed = Signed("POST", "/ListParticipants",
                         boost::json::serialize(boost::json::object{{"stageArn", stage.arn}, {"sessionId", session}}));
    ASSERT_EQ(listed.status, 200u) << listed.body;
    const auto listed_json = listed.Json();
    const auto& p = listed_json.at("participants").at(0);
    EXPECT_EQ(p.at("published"), true);
    EXPECT_TRUE(std::regex_match(std::string(p.at("firstJoinTime").as_string()),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    EXPECT_EQ(test::HttpCall(server_.Port(), "POST", "/_emulator/leave", boost::json::serialize(who)).status, 200u);
    auto again = test::HttpCall(server_.Port(), "POST", "/_emulator/leave", boost::json::serialize(who));
    EXPECT_EQ(again.status, 404u);
    auto refused = test::HttpCall(server_.Port(), "POST", "/_emulator/join",
                                  R"({"stageArn":")" + stage.arn + R"(","token":"x.y.z"})");
    EXPECT_EQ(refused.status, 403u);
    EXPECT_EQ(refused.Json().at("reason"), "malformed");
}

TEST_F(EmulatorServerTest, OversizedBodiesAreRefused) {
    std::string big(2 * 1024 * 1024, 'x');
    // The server answers 413 as soon as Content-Length exceeds the limit and closes, so the
    // client may also see its upload cut off.
    try {
        auto r = test::HttpCall(server_.Port(), "POST", "/CreateStage", big);
        EXPECT_EQ(r.status, 413u);
    } catch (const std::exception& e) {
        SUCCEED() << "connection closed while uploading: " << e.what();
    }
    EXPECT_EQ(emu_->ApiCalls(), 0u);
    EXPECT_EQ(Signed("POST", "/ListStages", "{}").status, 200u);
}

}  // namespace
}  // namespace ivs::emulator
