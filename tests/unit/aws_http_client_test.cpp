// The HTTP(S) client against a local scripted server (plain and TLS).

#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include "adapters/aws/http_client.hpp"
#include "aws_fake_server.hpp"
#include "test_support.hpp"

using namespace ivs;
using namespace ivs::aws;
using ivs::test::FakeHttpServer;
using ivs::test::FakeRequest;
using ivs::test::FakeResponse;
namespace asio = boost::asio;

namespace {

// Sends each request in turn on one client (one io_context) and returns the results.
std::vector<Result<HttpResponse>> SendAll(std::vector<HttpRequest> requests,
                                          HttpClientOptions options = {},
                                          std::size_t* opened = nullptr) {
    asio::io_context ioc;
    HttpClient client(ioc.get_executor(), options);
    std::vector<Result<HttpResponse>> out;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            for (auto& r : requests) {
                auto res = co_await client.Send(std::move(r));
                out.push_back(std::move(res));
            }
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    ioc.run();
    if (opened) *opened = client.connections_opened();
    return out;
}

Result<HttpResponse> SendOne(HttpRequest r, HttpClientOptions options = {}) {
    return SendAll({std::move(r)}, std::move(options)).at(0);
}

FakeResponse Echo(const FakeRequest& r) {
    FakeResponse res;
    res.headers["Content-Type"] = "application/json";
    res.headers["X-Seen-Host"] = r.Header("host");
    res.headers["X-Seen-Method"] = r.method;
    res.headers["X-Seen-Target"] = r.target;
    res.body = r.body;
    return res;
}

}  // namespace

TEST(AwsHttpClient, ParsesUrls) {
    auto u = ParseHttpUrl("https://ivsrealtime.us-east-1.amazonaws.com/tags/arn%3Aaws?tagKeys=a&tagKeys=b");
    ASSERT_TRUE(u.has_value());
    EXPECT_TRUE(u->tls);
    EXPECT_EQ(u->port, 443);
    EXPECT_EQ(u->host, "ivsrealtime.us-east-1.amazonaws.com");
    EXPECT_EQ(u->host_header, "ivsrealtime.us-east-1.amazonaws.com");
    EXPECT_EQ(u->path, "/tags/arn%3Aaws");
    EXPECT_EQ(u->query, "tagKeys=a&tagKeys=b");
    auto p = ParseHttpUrl("http://127.0.0.1:8080");
    ASSERT_TRUE(p.has_value());
    EXPECT_FALSE(p->tls);
    EXPECT_EQ(p->target, "/");
    EXPECT_EQ(p->host_header, "127.0.0.1:8080");
    EXPECT_EQ(ParseHttpUrl("ftp://x/").error().code, Errc::invalid_argument);
    EXPECT_EQ(ParseHttpUrl("not a url").error().code, Errc::invalid_argument);
}

TEST(AwsHttpClient, SendsRequestAndReadsResponse) {
    FakeHttpServer server(Echo);
    HttpRequest req{"POST", server.url() + "/CreateStage?x=1", {{"Content-Type", "application/json"}},
                    R"({"name":"a"})", std::chrono::seconds(5)};
    auto res = SendOne(req);
    ASSERT_TRUE(res.has_value()) << res.error().message;
    EXPECT_EQ(res->status, 200u);
    EXPECT_EQ(res->body, R"({"name":"a"})");
    EXPECT_EQ(res->Header("x-seen-method"), "POST");
    EXPECT_EQ(res->Header("X-SEEN-TARGET"), "/CreateStage?x=1");
    EXPECT_EQ(res->Header("x-seen-host"), "127.0.0.1:" + std::to_string(server.port()));
    auto seen = server.requests().at(0);
    EXPECT_EQ(seen.Header("content-length"), "12");
    EXPECT_EQ(seen.Header("content-type"), "application/json");
    EXPECT_FALSE(seen.Header("user-agent").empty());
}

TEST(AwsHttpClient, ErrorStatusesAreResponsesNotErrors) {
    FakeHttpServer server([](const FakeRequest&) {
        return FakeResponse{404, {{"x-amzn-ErrorType", "ResourceNotFoundException"}}, "{}"};
    });
    auto res = SendOne({"POST", server.url() + "/GetStage", {}, "{}", std::chrono::seconds(5)});
    ASSERT_TRUE(res.has_value());
    EXPECT_EQ(res->status, 404u);
    EXPECT_EQ(res->Header("x-amzn-errortype"), "ResourceNotFoundException");
}

TEST(AwsHttpClient, ReusesKeepAliveConnections) {
    FakeHttpServer server(Echo);
    std::vector<HttpRequest> reqs;
    for (int i = 0; i < 5; ++i) {
        reqs.push_back({"POST", server.url() + "/Op" + std::to_string(i), {}, "{}",
                        std::chrono::seconds(5)});
    }
    std::size_t opened = 0;
    auto results = SendAll(reqs, {}, &opened);
    for (const auto& r : results) ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(server.request_count(), 5u);
    EXPECT_EQ(server.connections(), 1);
    EXPECT_EQ(opened, 1u);
}

TEST(AwsHttpClient, ConnectionCloseOpensANewConnection) {
    FakeHttpServer server([](const FakeRequest& r) {
        FakeResponse res = Echo(r);
        res.close = true;
        return res;
    });
    auto results = SendAll({{"GET", server.url() + "/a", {}, "", std::chrono::seconds(5)},
                            {"GET", server.url() + "/b", {}, "", std::chrono::seconds(5)}});
    for (const auto& r : results) ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(server.connections(), 2);
}

TEST(AwsHttpClient, StalePooledConnectionIsRetriedOnANewOne) {
    // The server promises keep-alive and then closes: the next call finds a dead pooled socket.
    FakeHttpServer server([](const FakeRequest& r) {
        FakeResponse res = Echo(r);
        res.drop_after = true;
        return res;
    });
    std::vector<HttpRequest> reqs;
    for (int i = 0; i < 3; ++i) {
        reqs.push_back({"POST", server.url() + "/Op", {}, "{}", std::chrono::seconds(5)});
    }
    auto results = SendAll(reqs);
    for (const auto& r : results) {
        ASSERT_TRUE(r.has_value()) << r.error().message;
        EXPECT_EQ(r->status, 200u);
    }
    EXPECT_EQ(server.request_count(), 3u);
    EXPECT_EQ(server.connections(), 3);
}

TEST(AwsHttpClient, DeadlineGivesTimeout) {
    FakeHttpServer server([](const FakeRequest&) {
        FakeResponse res;
        res.hang = true;
        return res;
    });
    auto res = SendOne({"POST", server.url() + "/Slow", {}, "{}", std::chrono::milliseconds(200)});
    ASSERT_FALSE(res.has_value());
    EXPECT_EQ(res.error().code, Errc::timeout);
}

TEST(AwsHttpClient, ResponseBodyOverLimitIsRejected) {
    FakeHttpServer server([](const FakeRequest&) {
        return FakeResponse{200, {}, std::string(4096, 'x')};
    });
    HttpClientOptions options;
    options.max_response_body_bytes = 1024;
    auto res = SendOne({"GET", server.url() + "/big", {}, "", std::chrono::seconds(5)}, options);
    ASSERT_FALSE(res.has_value());
    EXPECT_EQ(res.error().code, Errc::internal);
    options.max_response_body_bytes = 8192;
    auto ok = SendOne({"GET", server.url() + "/big", {}, "", std::chrono::seconds(5)}, options);
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->body.size(), 4096u);
}

TEST(AwsHttpClient, RefusedConnectionIsUnavailable) {
    unsigned short port;
    {
        FakeHttpServer server(Echo);
        port = server.port();
    }
    auto res = SendOne({"GET", "http://127.0.0.1:" + std::to_string(port) + "/", {}, "",
                        std::chrono::seconds(5)});
    ASSERT_FALSE(res.has_value());
    EXPECT_EQ(res.error().code, Errc::unavailable);
}

namespace {

// A self-signed certificate for the given subjectAltName, written into `dir`.
bool MakeCert(const std::string& dir, const std::string& san, std::string* output) {
    std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ivs-test "
                      "-addext 'subjectAltName=" + san + "' -keyout " + dir + "/key.pem -out " +
                      dir + "/cert.pem";
    return test::RunCommand(cmd, output) == 0;
}

}  // namespace

TEST(AwsHttpClient, TlsVerifiesCertificateAndHostName) {
    test::TempDir dir;
    std::string out;
    ASSERT_TRUE(MakeCert(dir.path(), "DNS:localhost,IP:127.0.0.1", &out)) << out;
    FakeHttpServer server(Echo, dir.path() + "/cert.pem", dir.path() + "/key.pem");
    std::string port = std::to_string(server.port());

    // Trusted through the extra CA file: both the name and the address are in the certificate.
    HttpClientOptions trusted;
    trusted.ca_file = dir.path() + "/cert.pem";
    for (std::string host : {"localhost", "127.0.0.1"}) {
        auto res = SendOne({"POST", "https://" + host + ":" + port + "/x", {}, "hello",
                            std::chrono::seconds(5)},
                           trusted);
        ASSERT_TRUE(res.has_value()) << host << ": " << res.error().message;
        EXPECT_EQ(res->body, "hello");
    }

    // The system store does not know a self-signed certificate.
    auto untrusted = SendOne({"GET", "https://localhost:" + port + "/", {}, "",
                              std::chrono::seconds(5)});
    ASSERT_FALSE(untrusted.has_value());
    EXPECT_EQ(untrusted.error().code, Errc::unavailable);
}

TEST(AwsHttpClient, TlsRejectsWrongHostName) {
    test::TempDir dir;
    std::string out;
    ASSERT_TRUE(MakeCert(dir.path(), "DNS:other.example", &out)) << out;
    FakeHttpServer server(Echo, dir.path() + "/cert.pem", dir.path() + "/key.pem");
    HttpClientOptions trusted;
    trusted.ca_file = dir.path() + "/cert.pem";
    auto res = SendOne({"GET", "https://localhost:" + std::to_string(server.port()) + "/", {}, "",
                        std::chrono::seconds(5)},
                       trusted);
    ASSERT_FALSE(res.has_value());
    EXPECT_EQ(res.error().code, Errc::unavailable);
    EXPECT_EQ(server.request_count(), 0u);
}
