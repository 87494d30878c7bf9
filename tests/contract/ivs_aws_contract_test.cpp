// The AWS IvsClient adapter over real HTTP against the emulator's AWS wire server: the shared
// IvsClient contract, then retries, throttling, the client-side limiter and credential errors.

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include "adapters/aws/credentials.hpp"
#include "adapters/aws/http_client.hpp"
#include "adapters/aws/ivs_aws_client.hpp"
#include "adapters/ivs/emulator_server.hpp"
#include "ivs_client_contract.hpp"

namespace ivs::test {
namespace {

namespace asio = boost::asio;

constexpr const char* kKeyId = "AKIDCONTRACTTEST";
constexpr const char* kSecret = "contract/secret+key";

struct WireTarget {
    std::shared_ptr<emulator::BackgroundEmulatorServer> server;
    std::shared_ptr<aws::HttpClient> http;
};

aws::AwsIvsClientOptions FastOptions(const std::string& endpoint) {
    aws::AwsIvsClientOptions o;
    o.endpoint = endpoint;
    o.region = "us-east-1";
    // The contract creates stages in bursts; the limiter has its own tests below.
    o.stage_tps = o.token_tps = o.public_key_tps = o.tag_tps = 10000;
    o.attempt_timeout = std::chrono::seconds(5);
    o.backoff_base = std::chrono::milliseconds(5);
    o.backoff_cap = std::chrono::milliseconds(50);
    return o;
}

IvsContractTarget MakeAwsTarget(asio::io_context& ioc) {
    auto emu = std::make_shared<emulator::Emulator>(ContractEmulatorOptions());
    emulator::EmulatorServerOptions so;
    so.access_key_id = kKeyId;
    so.secret_access_key = kSecret;
    auto wire = std::make_shared<WireTarget>();
    wire->server = std::make_shared<emulator::BackgroundEmulatorServer>(emu, so);
    wire->http = std::make_shared<aws::HttpClient>(ioc.get_executor());
    auto client = aws::MakeAwsIvsClient(
        wire->http, aws::MakeStaticCredentialsProvider({kKeyId, kSecret, "", std::nullopt}),
        FastOptions(wire->server->Endpoint()));
    return {emu, client, wire};
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(AwsOverWire, IvsClientContract,
                         ::testing::Values(IvsContractParam{"aws", &MakeAwsTarget}),
                         IvsContractParamName);

namespace {

// One emulator served over the wire and an AWS client with adjustable options.
class AwsIvsClientWire : public ::testing::Test {
protected:
    void SetUp() override {
        emu_ = std::make_shared<emulator::Emulator>(ContractEmulatorOptions());
        emulator::EmulatorServerOptions so;
        so.access_key_id = kKeyId;
        so.secret_access_key = kSecret;
        server_ = std::make_unique<emulator::BackgroundEmulatorServer>(emu_, so);
        http_ = std::make_shared<aws::HttpClient>(ioc_.get_executor());
        options_ = FastOptions(server_->Endpoint());
    }

    std::shared_ptr<ports::IvsClient> Client(
        std::optional<aws::AwsIvsClientOptions> options = std::nullopt,
        aws::Credentials creds = {kKeyId, kSecret, "", std::nullopt}) {
        return aws::MakeAwsIvsClient(http_, aws::MakeStaticCredentialsProvider(creds),
                                     options.value_or(options_));
    }

    template <class T>
    T Await(asio::awaitable<T> aw) {
        auto fut = asio::co_spawn(ioc_, std::move(aw), asio::use_future);
        ioc_.restart();
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
            if (std::chrono::steady_clock::now() > deadline) {
                ADD_FAILURE() << "IVS call did not complete within 30 s";
                break;
            }
            ioc_.run_one_for(std::chrono::milliseconds(50));
            if (ioc_.stopped()) ioc_.restart();
        }
        return fut.get();
    }

    asio::io_context ioc_;
    std::shared_ptr<emulator::Emulator> emu_;
    std::unique_ptr<emulator::BackgroundEmulatorServer> server_;
    std::shared_ptr<aws::HttpClient> http_;
    aws::AwsIvsClientOptions options_;
};

std::string IvsErrorOf(const Error& e) {
    auto it = e.details.find("ivsError");
    return it == e.details.end() ? std::string() : std::string(it->value().as_string());
}

}  // namespace

TEST_F(AwsIvsClientWire, RetriesServiceUnavailableThenSucceeds) {
    auto client = Client();
    emu_->InjectFaults({503, "ServiceUnavailableException", "try later"}, 2);
    auto before = emu_->ApiCalls();
    auto stage = Await(client->CreateStage({"after-503", {}}));
    ASSERT_TRUE(stage.has_value()) << stage.error().message;
    EXPECT_EQ(stage->name, "after-503");
    EXPECT_EQ(emu_->ApiCalls() - before, 3u);
}

TEST_F(AwsIvsClientWire, RetriesThrottlingThenSucceeds) {
    auto client = Client();
    emu_->InjectFaults({429, "TooManyRequestsException", "slow down"}, 1);
    emu_->InjectFaults({400, "ThrottlingException", "Rate exceeded"}, 1);
    auto before = emu_->ApiCalls();
    auto page = Await(client->ListStages("", 10));
    ASSERT_TRUE(page.has_value()) << page.error().message;
    EXPECT_EQ(emu_->ApiCalls() - before, 3u);
}

TEST_F(AwsIvsClientWire, PersistentThrottlingIsRateLimited) {
    auto options = options_;
    options.max_retries = 2;
    auto client = Client(options);
    emu_->InjectFaults({429, "TooManyRequestsException", "slow down"}, 10);
    auto before = emu_->ApiCalls();
    auto page = Await(client->ListStages("", 10));
    ASSERT_FALSE(page.has_value());
    EXPECT_EQ(page.error().code, Errc::rate_limited);
    EXPECT_EQ(IvsErrorOf(page.error()), "TooManyRequestsException");
    EXPECT_GT(page.error().retry_after_seconds, 0);
    EXPECT_EQ(emu_->ApiCalls() - before, 3u);  // 1 + max_retries
}

TEST_F(AwsIvsClientWire, PersistentServerErrorsAreUnavailable) {
    auto options = options_;
    options.max_retries = 3;
    auto client = Client(options);
    emu_->InjectFaults({503, "ServiceUnavailableException", "down"}, 10);
    auto before = emu_->ApiCalls();
    auto stage = Await(client->CreateStage({"never", {}}));
    ASSERT_FALSE(stage.has_value());
    EXPECT_EQ(stage.error().code, Errc::unavailable);
    EXPECT_EQ(emu_->ApiCalls() - before, 4u);
    emu_->ClearFaults();
    EXPECT_TRUE(Await(client->CreateStage({"now", {}})).has_value());
}

TEST_F(AwsIvsClientWire, ModeledErrorsAreNotRetried) {
    auto client = Client();
    auto before = emu_->ApiCalls();
    auto stage = Await(client->CreateStage({"bad name!", {}}));
    ASSERT_FALSE(stage.has_value());
    EXPECT_EQ(stage.error().code, Errc::invalid_argument);
    EXPECT_EQ(IvsErrorOf(stage.error()), "ValidationException");
    EXPECT_EQ(emu_->ApiCalls() - before, 1u);
}

TEST_F(AwsIvsClientWire, WrongSecretIsAClearCredentialsError) {
    auto client = Client(std::nullopt, {kKeyId, "wrong-secret", "", std::nullopt});
    auto page = Await(client->ListStages("", 10));
    ASSERT_FALSE(page.has_value());
    EXPECT_EQ(page.error().code, Errc::unavailable);
    EXPECT_EQ(IvsErrorOf(page.error()), "InvalidSignatureException");
    EXPECT_NE(page.error().message.find("credentials"), std::string::npos) << page.error().message;

    auto unknown = Client(std::nullopt, {"AKIDUNKNOWN", kSecret, "", std::nullopt});
    auto page2 = Await(unknown->ListStages("", 10));
    ASSERT_FALSE(page2.has_value());
    EXPECT_EQ(IvsErrorOf(page2.error()), "UnrecognizedClientException");
}

TEST_F(AwsIvsClientWire, SessionTokenIsSentAndSigned) {
    auto client = Client(std::nullopt, {kKeyId, kSecret, "session-token-123", std::nullopt});
    EXPECT_TRUE(Await(client->ListStages("", 5)).has_value());
}

TEST_F(AwsIvsClientWire, UnreachableEndpointIsUnavailableAfterRetries) {
    unsigned short port;
    {
        asio::io_context tmp;
        asio::ip::tcp::acceptor a(tmp, {asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }
    auto options = options_;
    options.endpoint = "http://127.0.0.1:" + std::to_string(port);
    options.max_retries = 1;
    auto client = Client(options);
    auto page = Await(client->ListStages("", 5));
    ASSERT_FALSE(page.has_value());
    EXPECT_EQ(page.error().code, Errc::unavailable);
}

// The limiter queues callers beyond the bucket and refuses at once when the queue is full.
TEST_F(AwsIvsClientWire, LimiterQueuesThenRefuses) {
    auto options = options_;
    options.stage_tps = 2;  // burst of 2, then one slot per 500 ms
    options.max_queued_per_operation = 1;
    auto client = Client(options);
    auto before = emu_->ApiCalls();

    std::vector<Result<ports::Page<ports::StageSummary>>> results;
    auto batch = [&]() -> asio::awaitable<void> {
        // Four calls at once: two go straight through, one waits for a slot, one is refused.
        using namespace asio::experimental::awaitable_operators;
        auto call = [&]() -> asio::awaitable<void> {
            auto r = co_await client->ListStages("", 5);
            results.push_back(std::move(r));
        };
        co_await (call() && call() && call() && call());
    };
    Await(batch());
    ASSERT_EQ(results.size(), 4u);
    int ok = 0, limited = 0;
    for (const auto& r : results) {
        if (r) ++ok;
        else if (r.error().code == Errc::rate_limited) ++limited;
    }
    EXPECT_EQ(ok, 3);
    EXPECT_EQ(limited, 1);
    EXPECT_EQ(emu_->ApiCalls() - before, 3u);  // the refused call never reached IVS
}

TEST_F(AwsIvsClientWire, OperationsHaveSeparateBuckets) {
    auto options = options_;
    options.stage_tps = 1;
    options.max_queued_per_operation = 0;  // no waiting at all
    auto client = Client(options);
    auto stage = Await(client->CreateStage({"bucket", {}}));
    ASSERT_TRUE(stage.has_value()) << stage.error().message;
    // CreateStage's only token is spent; GetStage has its own bucket.
    auto got = Await(client->GetStage(stage->arn));
    EXPECT_TRUE(got.has_value());
    auto again = Await(client->CreateStage({"bucket2", {}}));
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, Errc::rate_limited);
}

}  // namespace ivs::test
