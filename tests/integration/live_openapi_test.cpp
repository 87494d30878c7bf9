// OpenAPI: the document covers exactly the routes the application registers, and real responses
// of the whole application conform to the document's schemas.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/handlers/openapi.hpp"
#include "http/router.hpp"
#include "live_publisher.hpp"
#include "test_support.hpp"

namespace ivs::test {
namespace {

namespace json = boost::json;

const char* MethodName(http::Verb v) {
    return v == http::Verb::get      ? "get"
           : v == http::Verb::post   ? "post"
           : v == http::Verb::put    ? "put"
           : v == http::Verb::delete_ ? "delete"
                                     : "other";
}

// The routes the whole application registers (its own router, after every wiring step).
TEST(OpenApiCoverage, DocumentAndRouterListTheSameRoutes) {
    TestServer server;
    auto router = &server.router();
    ASSERT_TRUE(router);
    ASSERT_GE(router->Routes().size(), 10u);
    json::object doc = http::BuildOpenApiDocument(*router);
    for (const auto& route : router->Routes()) {
        const auto& item = doc["paths"].at(http::OpenApiPath(route.pattern)).as_object();
        ASSERT_TRUE(item.contains(MethodName(route.method))) << route.pattern;
        EXPECT_FALSE(item.at(MethodName(route.method)).as_object().contains("x-undocumented"))
            << MethodName(route.method) << " " << route.pattern
            << " is registered but has no entry in src/http/handlers/openapi_spec.cpp";
    }
    for (const auto* spec : http::SpecsWithoutRoute(*router)) {
        ADD_FAILURE() << MethodName(spec->method) << " " << spec->pattern
                      << " is documented in openapi_spec.cpp but no such route is registered";
    }
}

json::value ResponseSchema(const json::object& doc, const std::string& path,
                           const std::string& method, unsigned status) {
    const auto& responses = doc.at("paths").at(path).at(method).at("responses").as_object();
    const json::value* r = responses.if_contains(std::to_string(status));
    if (!r) r = responses.if_contains("default");
    if (!r) return nullptr;
    const auto* content = r->as_object().if_contains("content");
    if (!content) return nullptr;
    const auto* app_json = content->as_object().if_contains("application/json");
    if (!app_json) return nullptr;
    return app_json->at("schema");
}

class OpenApiResponses : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = new TestServer;
        publisher_ = PublishLive(*server_).release();
    }
    static void TearDownTestSuite() {
        delete publisher_;
        publisher_ = nullptr;
        delete server_;
        server_ = nullptr;
    }
    static TestServer* server_;
    static LivePublisher* publisher_;  // the viewer token needs the broadcast live

    json::object Document() {
        auto res = server_->Get("/api/openapi.json", {{"x-no-auth", "1"}});
        EXPECT_EQ(res.status, 200u);
        return res.Json().as_object();
    }

    void ExpectConforms(const json::object& doc, const std::string& path,
                        const std::string& method, const HttpResponse& res) {
        json::value schema = ResponseSchema(doc, path, method, res.status);
        if (schema.is_null()) return;  // not JSON (page, text)
        json::value body;
        ASSERT_NO_THROW(body = res.Json()) << method << " " << path << ": " << res.body;
        EXPECT_EQ(http::ValidateSchema(body, schema, doc), "")
            << method << " " << path << " -> " << res.status << ": " << res.body;
    }
};
TestServer* OpenApiResponses::server_ = nullptr;
LivePublisher* OpenApiResponses::publisher_ = nullptr;

TEST_F(OpenApiResponses, DocumentIsOpenApi31WithErrorEnvelope) {
    auto doc = Document();
    EXPECT_EQ(doc.at("openapi"), "3.1.0");
    EXPECT_TRUE(doc.at("components").at("schemas").as_object().contains("ErrorEnvelope"));
    const auto& paths = doc.at("paths").as_object();
    for (const char* p : {"/metrics", "/api/openapi.json", "/dashboard", "/health"}) {
        EXPECT_TRUE(paths.contains(p)) << p;
    }
    for (const auto& [path, item] : paths) {
        for (const auto& [method, op] : item.as_object()) {
            EXPECT_FALSE(op.as_object().contains("x-undocumented")) << method << " " << path;
            EXPECT_TRUE(op.at("responses").as_object().contains("default")) << path;
        }
    }
}

TEST_F(OpenApiResponses, EveryParameterlessGetAnswersAsDocumented) {
    auto doc = Document();
    int checked = 0;
    for (const auto& [path, item] : doc.at("paths").as_object()) {
        if (std::string_view(path).find('{') != std::string_view::npos) continue;
        if (!item.as_object().contains("get")) continue;
        auto res = server_->Get(std::string(path));
        ExpectConforms(doc, std::string(path), "get", res);
        ++checked;
    }
    EXPECT_GE(checked, 5);
}

TEST_F(OpenApiResponses, ErrorsConformToTheErrorEnvelope) {
    auto doc = Document();
    int checked = 0;
    for (const auto& [path, item] : doc.at("paths").as_object()) {
        if (std::string_view(path).find('{') != std::string_view::npos) continue;
        for (const auto& [method, op] : item.as_object()) {
            if (op.at("security").as_array().empty()) continue;
            // No credentials: 401 with the error envelope.
            std::string m(method);
            for (auto& c : m) c = static_cast<char>(std::toupper(c));
            auto res = server_->Call(m, std::string(path), m == "GET" ? "" : "{}",
                                     {{"x-no-auth", "1"}, {"content-type", "application/json"}});
            EXPECT_EQ(res.status, 401u) << method << " " << path;
            ExpectConforms(doc, std::string(path), std::string(method), res);
            ++checked;
        }
    }
    EXPECT_GE(checked, 1);
}

TEST_F(OpenApiResponses, ViewerTokenAndStatsAnswerAsDocumented) {
    auto doc = Document();
    if (!doc.at("paths").as_object().contains("/api/token/viewer")) {
        GTEST_SKIP() << "/api/token/viewer is not registered";
    }
    auto join = server_->Post("/api/token/viewer", json::object{{"userId", "openapi-user"}});
    ExpectConforms(doc, "/api/token/viewer", "post", join);
    EXPECT_EQ(join.status, 200u) << join.body;
    auto bad = server_->Post("/api/token/viewer", json::object{});
    EXPECT_EQ(bad.status, 400u);
    ExpectConforms(doc, "/api/token/viewer", "post", bad);
    auto stats = server_->Get("/api/stats");
    ExpectConforms(doc, "/api/stats", "get", stats);
}

}  // namespace
}  // namespace ivs::test
