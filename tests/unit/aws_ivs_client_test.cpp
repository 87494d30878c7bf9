// The AWS IVS adapter's wire format and error mapping against a scripted local server.

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include "adapters/aws/ivs_aws_client.hpp"
#include "adapters/aws/ivs_json.hpp"
#include "adapters/aws/token_bucket.hpp"
#include "aws_fake_server.hpp"
#include "core/time_format.hpp"

using namespace ivs;
using namespace ivs::aws;
using ivs::test::FakeHttpServer;
using ivs::test::FakeRequest;
using ivs::test::FakeResponse;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr const char* kStageArn = "arn:aws:ivs:us-east-1:123456789012:stage/abcdABCDefgh";

struct Harness {
    asio::io_context ioc;
    std::shared_ptr<ports::IvsClient> client;
    explicit Harness(const std::string& endpoint, int max_retries = 2) {
        AwsIvsClientOptions o;
        o.endpoint = endpoint;
        o.region = "eu-west-1";
        o.max_retries = max_retries;
        o.backoff_base = std::chrono::milliseconds(1);
        o.backoff_cap = std::chrono::milliseconds(5);
        client = MakeAwsIvsClient(std::make_shared<HttpClient>(ioc.get_executor()),
                                  MakeStaticCredentialsProvider({"AKIDX", "SECRETX", "", std::nullopt}),
                                  o);
    }
    template <class T>
    T Run(std::function<asio::awaitable<T>()> f) {
        std::optional<T> out;
        asio::co_spawn(ioc, [&]() -> asio::awaitable<void> { out.emplace(co_await f()); },
                       [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
        ioc.restart();
        ioc.run();
        return std::move(*out);
    }
};

FakeResponse JsonResponse(unsigned status, std::string body, std::map<std::string, std::string> h = {}) {
    h["Content-Type"] = "application/json";
    return FakeResponse{status, std::move(h), std::move(body)};
}

std::string ErrorType(const Error& e) {
    auto it = e.details.find("ivsError");
    return it == e.details.end() ? std::string() : std::string(it->value().as_string());
}

}  // namespace

TEST(AwsIvsClient, SendsSignedRestJsonRequests) {
    FakeHttpServer server([](const FakeRequest& r) {
        if (r.target == "/CreateParticipantToken") {
            return JsonResponse(200, R"({"participantToken":{"token":"tok","participantId":"p1",
                "expirationTime":"2030-01-02T03:04:05Z","capabilities":["SUBSCRIBE"],"duration":60}})");
        }
        return JsonResponse(200, R"({"stages":[{"arn":")" + std::string(kStageArn) +
                                     R"(","name":"s1","tags":{"a":"b"}}],"nextToken":"NEXT"})");
    });
    Harness h(server.url());
    auto page = h.Run<Result<ports::Page<ports::StageSummary>>>(
        [&] { return h.client->ListStages("", 3); });
    ASSERT_TRUE(page.has_value()) << page.error().message;
    ASSERT_EQ(page->items.size(), 1u);
    EXPECT_EQ(page->items[0].arn, kStageArn);
    EXPECT_EQ(page->items[0].tags.at("a"), "b");
    EXPECT_EQ(page->next_token, "NEXT");

    ports::CreateTokenRequest req;
    req.stage_arn = kStageArn;
    req.user_id = "viewer-1";
    req.duration_minutes = 60;
    req.capabilities = {ports::Capability::subscribe};
    req.attributes = {{"role", "viewer"}};
    auto token = h.Run<Result<ports::ParticipantToken>>(
        [&] { return h.client->CreateParticipantToken(req); });
    ASSERT_TRUE(token.has_value()) << token.error().message;
    EXPECT_EQ(token->token, "tok");
    EXPECT_EQ(FormatIso8601Seconds(token->expiration_time), "2030-01-02T03:04:05Z");
    ASSERT_EQ(token->capabilities.size(), 1u);

    auto seen = server.requests();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].method, "POST");
    EXPECT_EQ(seen[0].target, "/ListStages");
    EXPECT_EQ(json::parse(seen[0].body), json::parse(R"({"maxResults":3})"));
    EXPECT_EQ(seen[0].Header("content-type"), "application/json");
    EXPECT_NE(seen[0].Header("authorization").find("/eu-west-1/ivs/aws4_request"), std::string::npos);
    EXPECT_NE(seen[0].Header("authorization").find("SignedHeaders=content-type;host;x-amz-date"),
              std::string::npos);
    EXPECT_FALSE(seen[0].Header("x-amz-date").empty());
    EXPECT_EQ(json::parse(seen[1].body),
              json::parse(R"({"stageArn":")" + std::string(kStageArn) +
                          R"(","userId":"viewer-1","duration":60,"attributes":{"role":"viewer"},"capabilities":["SUBSCRIBE"]})"));
}

TEST(AwsIvsClient, EmptyInputStillSendsAnObject) {
    FakeHttpServer server([](const FakeRequest&) { return JsonResponse(200, "{}"); });
    Harness h(server.url());
    auto r = h.Run<Result<void>>([&] { return h.client->DeleteStage(kStageArn); });
    ASSERT_TRUE(r.has_value());
    auto seen = server.requests().at(0);
    EXPECT_EQ(seen.target, "/DeleteStage");
    EXPECT_EQ(json::parse(seen.body), json::parse(R"({"arn":")" + std::string(kStageArn) + "\"}"));
    EXPECT_EQ(ivs_json::CreateStageBody({}), json::object());
    EXPECT_EQ(json::serialize(ivs_json::CreateStageBody({})), "{}");
}

TEST(AwsIvsClient, TagOperationsUseEncodedArnPath) {
    FakeHttpServer server([](const FakeRequest& r) {
        if (r.method == "GET") return JsonResponse(200, R"({"tags":{"k":"v"}})");
        return JsonResponse(200, "{}");
    });
    Harness h(server.url());
    auto tags = h.Run<Result<ports::Tags>>([&] { return h.client->ListTagsForResource(kStageArn); });
    ASSERT_TRUE(tags.has_value()) << tags.error().message;
    EXPECT_EQ(tags->at("k"), "v");
    ASSERT_TRUE((h.Run<Result<void>>([&] { return h.client->TagResource(kStageArn, {{"a", "1"}}); })));
    ASSERT_TRUE((h.Run<Result<void>>(
        [&] { return h.client->UntagResource(kStageArn, {"a", "b c"}); })));
    auto seen = server.requests();
    ASSERT_EQ(seen.size(), 3u);
    const std::string path = "/tags/arn%3Aaws%3Aivs%3Aus-east-1%3A123456789012%3Astage%2FabcdABCDefgh";
    EXPECT_EQ(seen[0].method, "GET");
    EXPECT_EQ(seen[0].target, path);
    EXPECT_EQ(seen[0].body, "");
    EXPECT_EQ(seen[1].method, "POST");
    EXPECT_EQ(seen[1].target, path);
    EXPECT_EQ(json::parse(seen[1].body), json::parse(R"({"tags":{"a":"1"}})"));
    EXPECT_EQ(seen[2].method, "DELETE");
    EXPECT_EQ(seen[2].target, path + "?tagKeys=a&tagKeys=b%20c");
}

TEST(AwsIvsClient, MapsErrorsLikeTheSdks) {
    struct Case {
        FakeResponse response;
        Errc code;
        std::string type, message;
    };
    std::vector<Case> cases = {
        {JsonResponse(404, R"({"exceptionMessage":"no stage"})",
                      {{"x-amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/coral/x"}}),
         Errc::not_found, "ResourceNotFoundException", "no stage"},
        {JsonResponse(400, R"({"__type":"com.amazonaws.ivsrealtime#ValidationException","message":"bad"})"),
         Errc::invalid_argument, "ValidationException", "bad"},
        {JsonResponse(402, R"({"code":"ServiceQuotaExceededException","Message":"quota"})"),
         Errc::quota_exceeded, "ServiceQuotaExceededException", "quota"},
        {JsonResponse(409, R"({"exceptionMessage":"busy"})", {{"x-amzn-ErrorType", "ConflictException"}}),
         Errc::conflict, "ConflictException", "busy"},
        {JsonResponse(403, R"({"exceptionMessage":"no"})", {{"x-amzn-ErrorType", "AccessDeniedException"}}),
         Errc::forbidden, "AccessDeniedException", "no"},
        {JsonResponse(403, R"({"exceptionMessage":"wait"})", {{"x-amzn-ErrorType", "PendingVerification"}}),
         Errc::forbidden, "PendingVerification", "wait"},
        {JsonResponse(418, "not json"), Errc::internal, "", "IVS answered HTTP 418"},
    };
    for (const auto& c : cases) {
        FakeHttpServer server([&](const FakeRequest&) { return c.response; });
        Harness h(server.url(), 0);
        auto r = h.Run<Result<ports::Stage>>([&] { return h.client->GetStage(kStageArn); });
        SCOPED_TRACE(c.type);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().code, c.code);
        EXPECT_EQ(ErrorType(r.error()), c.type);
        EXPECT_EQ(r.error().message, c.message);
        EXPECT_EQ(server.request_count(), 1u);
    }
}

TEST(AwsIvsClient, RetriesEveryRetryableKind) {
    for (auto [status, type] : std::vector<std::pair<unsigned, std::string>>{
             {500, "InternalServerException"}, {502, ""}, {503, ""}, {504, ""}, {429, ""},
             {400, "ThrottlingException"}, {400, "Throttling"}, {400, "TooManyRequestsException"},
             {400, "LimitExceededException"}, {400, "RequestLimitExceeded"}}) {
        SCOPED_TRACE(std::to_string(status) + " " + type);
        std::atomic<int> calls{0};
        FakeHttpServer server([&](const FakeRequest&) {
            if (++calls == 1) {
                std::map<std::string, std::string> h;
                if (!type.empty()) h["x-amzn-ErrorType"] = type;
                return JsonResponse(status, R"({"message":"x"})", h);
            }
            return JsonResponse(200, R"({"stage":{"arn":")" + std::string(kStageArn) + "\"}}");
        });
        Harness h(server.url(), 1);
        auto r = h.Run<Result<ports::Stage>>([&] { return h.client->GetStage(kStageArn); });
        ASSERT_TRUE(r.has_value()) << r.error().message;
        EXPECT_EQ(calls.load(), 2);
    }
}

TEST(AwsIvsClient, MalformedSuccessIsInternal) {
    FakeHttpServer server([](const FakeRequest&) { return JsonResponse(200, R"({"stage":{}})"); });
    Harness h(server.url());
    auto r = h.Run<Result<ports::Stage>>([&] { return h.client->GetStage(kStageArn); });
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::internal);
}

TEST(AwsTokenBucket, BurstThenQueueThenRefuse) {
    asio::io_context ioc;
    TokenBucket bucket(1000, 2, /*max_waiters=*/1, std::chrono::seconds(5));
    std::vector<Status> results;
    asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 3; ++i) results.push_back(co_await bucket.Acquire());
    }, asio::detached);
    ioc.run();
    ASSERT_EQ(results.size(), 3u);
    for (const auto& r : results) EXPECT_TRUE(r.has_value());  // sequential: the queue never fills

    TokenBucket slow(0.001, 1, /*max_waiters=*/0, std::chrono::seconds(5));
    std::vector<Status> refused;
    asio::io_context ioc2;
    asio::co_spawn(ioc2, [&]() -> asio::awaitable<void> {
        refused.push_back(co_await slow.Acquire());  // the burst token
        refused.push_back(co_await slow.Acquire());  // would wait ~1000 s: refused
    }, asio::detached);
    ioc2.run();
    ASSERT_EQ(refused.size(), 2u);
    EXPECT_TRUE(refused[0].has_value());
    ASSERT_FALSE(refused[1].has_value());
    EXPECT_EQ(refused[1].error().code, Errc::rate_limited);
    EXPECT_GT(refused[1].error().retry_after_seconds, 0);
    EXPECT_EQ(slow.waiting(), 0);
}
