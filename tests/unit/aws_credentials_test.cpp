// The credentials chain: each source against temp files or a local fake endpoint.

#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <filesystem>
#include <fstream>

#include "adapters/aws/credentials.hpp"
#include "aws_fake_server.hpp"
#include "core/time_format.hpp"
#include "test_support.hpp"

using namespace ivs;
using namespace ivs::aws;
using ivs::test::FakeHttpServer;
using ivs::test::FakeRequest;
using ivs::test::FakeResponse;
namespace asio = boost::asio;

namespace {

// Calls Get() `times` times on one provider and returns every result.
std::vector<Result<Credentials>> GetTimes(asio::io_context& ioc, CredentialsProvider& p, int times,
                                          const std::function<void(int)>& between = {}) {
    std::vector<Result<Credentials>> out;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < times; ++i) {
                if (between) between(i);
                auto r = co_await p.Get();
                out.push_back(std::move(r));
            }
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    ioc.restart();
    ioc.run();
    return out;
}

struct Chain {
    asio::io_context ioc;
    std::shared_ptr<HttpClient> http = std::make_shared<HttpClient>(ioc.get_executor());
    std::shared_ptr<CredentialsProvider> provider;
    Chain(Environment env, const Clock* clock = &SystemClock::Instance(),
          std::string container_base = "http://127.0.0.1:9") {
        CredentialsChainOptions o;
        o.env = std::move(env);
        o.clock = clock;
        o.http_timeout = std::chrono::milliseconds(1000);
        o.container_base_url = std::move(container_base);
        // Never reach a real metadata service from tests.
        o.instance_metadata_url = "http://127.0.0.1:9";
        provider = MakeDefaultCredentialsChain(http, o);
    }
    Result<Credentials> Get() { return GetTimes(ioc, *provider, 1).at(0); }
};

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string CredsJson(const std::string& id, SystemTime expiration) {
    return R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":")" + id +
           R"(","SecretAccessKey":"secret-)" + id + R"(","Token":"token-)" + id +
           R"(","Expiration":")" + FormatIso8601Seconds(expiration) + R"("})";
}

}  // namespace

TEST(AwsCredentials, StaticProvider) {
    auto p = MakeStaticCredentialsProvider({"AK", "SK", "", std::nullopt});
    asio::io_context ioc;
    auto r = GetTimes(ioc, *p, 1).at(0);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->access_key_id, "AK");
}

TEST(AwsCredentials, EnvironmentComesFirst) {
    test::TempDir dir;
    WriteFile(dir.path() + "/credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n");
    Chain chain({{"AWS_ACCESS_KEY_ID", "ENVKEY"}, {"AWS_SECRET_ACCESS_KEY", "ENVSECRET"},
                 {"AWS_SESSION_TOKEN", "ENVTOKEN"},
                 {"AWS_SHARED_CREDENTIALS_FILE", dir.path() + "/credentials"}});
    auto r = chain.Get();
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->access_key_id, "ENVKEY");
    EXPECT_EQ(r->secret_access_key, "ENVSECRET");
    EXPECT_EQ(r->session_token, "ENVTOKEN");
    EXPECT_FALSE(r->expiration.has_value());
}

TEST(AwsCredentials, HalfSetEnvironmentIsAConfigError) {
    Chain chain(Environment{{"AWS_ACCESS_KEY_ID", "ENVKEY"}});
    auto r = chain.Get();
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST(AwsCredentials, SharedCredentialsFileWithProfile) {
    test::TempDir dir;
    WriteFile(dir.path() + "/credentials",
              "# comment\n[default]\naws_access_key_id = DEFKEY\naws_secret_access_key = DEFSECRET\n"
              "\n[prod]\naws_access_key_id=PRODKEY\naws_secret_access_key=PRODSECRET\n"
              "aws_session_token = PRODTOKEN\n");
    {
        Chain chain({{"AWS_SHARED_CREDENTIALS_FILE", dir.path() + "/credentials"},
                     {"AWS_CONFIG_FILE", dir.path() + "/none"}});
        auto r = chain.Get();
        ASSERT_TRUE(r.has_value()) << r.error().message;
        EXPECT_EQ(r->access_key_id, "DEFKEY");
    }
    {
        Chain chain({{"AWS_SHARED_CREDENTIALS_FILE", dir.path() + "/credentials"},
                     {"AWS_PROFILE", "prod"}});
        auto r = chain.Get();
        ASSERT_TRUE(r.has_value()) << r.error().message;
        EXPECT_EQ(r->access_key_id, "PRODKEY");
        EXPECT_EQ(r->secret_access_key, "PRODSECRET");
        EXPECT_EQ(r->session_token, "PRODTOKEN");
    }
    {
        Chain chain({{"AWS_SHARED_CREDENTIALS_FILE", dir.path() + "/credentials"},
                     {"AWS_PROFILE", "missing"}});
        auto r = chain.Get();
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().code, Errc::invalid_argument);
        EXPECT_NE(r.error().message.find("missing"), std::string::npos);
    }
}

TEST(AwsCredentials, ConfigFileProfileAndDefaultHomeLocation) {
    test::TempDir home;
    std::filesystem::create_directories(home.path() + "/.aws");
    WriteFile(home.path() + "/.aws/config",
              "[default]\nregion = us-east-1\n[profile staging]\nregion = eu-west-1\n"
              "aws_access_key_id = CFGKEY\naws_secret_access_key = CFGSECRET\n");
    Chain chain({{"HOME", home.path()}, {"AWS_PROFILE", "staging"}});
    auto r = chain.Get();
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->access_key_id, "CFGKEY");
    // A profile that assumes a role is reported, not silently skipped.
    WriteFile(home.path() + "/.aws/config",
              "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = default\n");
    Chain role({{"HOME", home.path()}, {"AWS_PROFILE", "role"}});
    auto rr = role.Get();
    ASSERT_FALSE(rr.has_value());
    EXPECT_NE(rr.error().message.find("role_arn"), std::string::npos);
}

TEST(AwsCredentials, ContainerFullUriWithAuthorizationToken) {
    auto expiration = std::chrono::system_clock::now() + std::chrono::hours(6);
    FakeHttpServer server([&](const FakeRequest& r) {
        if (r.target != "/creds" || r.Header("authorization") != "Bearer abc") {
            return FakeResponse{401, {}, "{}"};
        }
        return FakeResponse{200, {{"Content-Type", "application/json"}}, CredsJson("ECS1", expiration)};
    });
    Chain chain({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/creds"},
                 {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer abc"},
                 {"AWS_EC2_METADATA_DISABLED", "true"}});
    auto r = chain.Get();
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->access_key_id, "ECS1");
    EXPECT_EQ(r->secret_access_key, "secret-ECS1");
    EXPECT_EQ(r->session_token, "token-ECS1");
    ASSERT_TRUE(r->expiration.has_value());
    EXPECT_EQ(FormatIso8601Seconds(*r->expiration), FormatIso8601Seconds(expiration));
}

TEST(AwsCredentials, ContainerRelativeUriAndTokenFile) {
    test::TempDir dir;
    WriteFile(dir.path() + "/token", "file-token\n");
    FakeHttpServer server([&](const FakeRequest& r) {
        if (r.target != "/v2/credentials/abc" || r.Header("authorization") != "file-token") {
            return FakeResponse{403, {}, "{}"};
        }
        return FakeResponse{200, {}, CredsJson("ECS2", std::chrono::system_clock::now() + std::chrono::hours(1))};
    });
    Chain chain({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"},
                 {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir.path() + "/token"}},
                &SystemClock::Instance(), server.url());
    auto r = chain.Get();
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->access_key_id, "ECS2");
}

TEST(AwsCredentials, ContainerFullUriMustBeLocalOrHttps) {
    Chain chain(Environment{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds"}});
    auto r = chain.Get();
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
}

namespace {

// A fake EC2 instance metadata service (IMDSv2) handing out numbered credentials.
struct FakeImds {
    std::atomic<int> issued{0};
    std::atomic<int> token_calls{0};
    std::function<SystemTime()> expiration;
    FakeHttpServer server;
    explicit FakeImds(std::function<SystemTime()> exp)
        : expiration(std::move(exp)), server([this](const FakeRequest& r) { return Handle(r); }) {}

    FakeResponse Handle(const FakeRequest& r) {
        if (r.method == "PUT" && r.target == "/latest/api/token") {
            if (r.Header("x-aws-ec2-metadata-token-ttl-seconds").empty()) return {400, {}, ""};
            ++token_calls;
            return {200, {}, "imds-session-token"};
        }
        if (r.Header("x-aws-ec2-metadata-token") != "imds-session-token") return {401, {}, ""};
        if (r.method == "GET" && r.target == "/latest/meta-data/iam/security-credentials/") {
            return {200, {}, "app-role"};
        }
        if (r.method == "GET" && r.target == "/latest/meta-data/iam/security-credentials/app-role") {
            int n = ++issued;
            return {200, {}, CredsJson("IMDS" + std::to_string(n), expiration())};
        }
        return {404, {}, ""};
    }
};

}  // namespace

TEST(AwsCredentials, InstanceMetadataV2) {
    auto exp = std::chrono::system_clock::now() + std::chrono::hours(6);
    FakeImds imds([&] { return exp; });
    Chain chain({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.server.url() + "/"}});
    auto r = chain.Get();
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->access_key_id, "IMDS1");
    EXPECT_EQ(r->session_token, "token-IMDS1");
    EXPECT_EQ(imds.token_calls.load(), 1);
}

TEST(AwsCredentials, InstanceMetadataDisabledMeansNoCredentials) {
    FakeImds imds([] { return std::chrono::system_clock::now() + std::chrono::hours(1); });
    Chain chain({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.server.url()},
                 {"AWS_EC2_METADATA_DISABLED", "true"}, {"HOME", "/nonexistent"}});
    auto r = chain.Get();
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::unavailable);
    EXPECT_EQ(imds.server.request_count(), 0u);
}

TEST(AwsCredentials, CachedAndRefreshedFiveMinutesBeforeExpiry) {
    ManualClock clock(*ParseIso8601("2030-01-01T00:00:00Z"));
    // Each issued credential lives one hour from the (manual) time it is issued.
    FakeImds imds([&] { return clock.Now() + std::chrono::hours(1); });
    Chain chain({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.server.url()}}, &clock);
    auto results = GetTimes(chain.ioc, *chain.provider, 5, [&](int i) {
        if (i == 2) clock.Advance(std::chrono::minutes(54));  // 6 min left: still cached
        if (i == 3) clock.Advance(std::chrono::minutes(2));   // 4 min left: refresh
    });
    ASSERT_EQ(results.size(), 5u);
    for (const auto& r : results) ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(results[0]->access_key_id, "IMDS1");
    EXPECT_EQ(results[1]->access_key_id, "IMDS1");
    EXPECT_EQ(results[2]->access_key_id, "IMDS1");
    EXPECT_EQ(results[3]->access_key_id, "IMDS2");
    EXPECT_EQ(results[4]->access_key_id, "IMDS2");
    EXPECT_EQ(imds.issued.load(), 2);
}

TEST(AwsCredentials, FailedRefreshKeepsUnexpiredCredentials) {
    ManualClock clock(*ParseIso8601("2030-01-01T00:00:00Z"));
    FakeImds imds([&] { return clock.Now() + std::chrono::hours(1); });
    Chain chain({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.server.url()}}, &clock);
    auto results = GetTimes(chain.ioc, *chain.provider, 3, [&](int i) {
        if (i == 1) {
            clock.Advance(std::chrono::minutes(57));
            imds.server.SetHandler([](const FakeRequest&) { return FakeResponse{500, {}, ""}; });
        }
        if (i == 2) clock.Advance(std::chrono::minutes(4));  // now expired
    });
    ASSERT_TRUE(results[0].has_value());
    ASSERT_TRUE(results[1].has_value()) << results[1].error().message;
    EXPECT_EQ(results[1]->access_key_id, "IMDS1");
    ASSERT_FALSE(results[2].has_value());
    EXPECT_EQ(results[2].error().code, Errc::unavailable);
}
