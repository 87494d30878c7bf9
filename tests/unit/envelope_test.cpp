#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/time_format.hpp"
#include "http/error_mapping.hpp"
#include "http/reply.hpp"

namespace ivs::http {
namespace {

namespace json = boost::json;

struct Mapping {
    Errc errc;
    unsigned status;
    const char* code;
};

class ErrorMappingTest : public ::testing::TestWithParam<Mapping> {};

TEST_P(ErrorMappingTest, EveryErrcHasItsStatusAndCode) {
    const Mapping& m = GetParam();
    HttpError e = MapError(m.errc);
    EXPECT_EQ(static_cast<unsigned>(e.status), m.status) << ErrcName(m.errc);
    EXPECT_EQ(e.code, m.code) << ErrcName(m.errc);

    // The envelope carries the same status and code.
    Reply r = EnvelopeError(Error(m.errc, "something"));
    EXPECT_EQ(static_cast<unsigned>(r.status), m.status);
    json::value v = json::parse(r.body);
    EXPECT_EQ(v.at("error").at("code").as_string(), m.code);
}

// The last enumerator is `internal`; this list must cover every value in between.
INSTANTIATE_TEST_SUITE_P(
    AllCodes, ErrorMappingTest,
    ::testing::Values(Mapping{Errc::ok, 500, "INTERNAL_ERROR"},
                      Mapping{Errc::invalid_argument, 400, "VALIDATION_ERROR"},
                      Mapping{Errc::unauthorized, 401, "UNAUTHORIZED"},
                      Mapping{Errc::forbidden, 403, "FORBIDDEN"},
                      Mapping{Errc::not_found, 404, "NOT_FOUND"},
                      Mapping{Errc::method_not_allowed, 405, "METHOD_NOT_ALLOWED"},
                      Mapping{Errc::conflict, 409, "VALIDATION_ERROR"},
                      Mapping{Errc::payload_too_large, 413, "PAYLOAD_TOO_LARGE"},
                      Mapping{Errc::headers_too_large, 431, "PAYLOAD_TOO_LARGE"},
                      Mapping{Errc::rate_limited, 429, "TOO_MANY_REQUESTS"},
                      Mapping{Errc::stage_full, 503, "STAGE_FULL"},
                      Mapping{Errc::stage_limit_reached, 503, "STAGE_LIMIT_REACHED"},
                      Mapping{Errc::quota_exceeded, 503, "SERVICE_UNAVAILABLE"},
                      Mapping{Errc::token_generation_failed, 500, "TOKEN_GENERATION_FAILED"},
                      Mapping{Errc::unavailable, 503, "SERVICE_UNAVAILABLE"},
                      Mapping{Errc::timeout, 503, "SERVICE_UNAVAILABLE"},
                      Mapping{Errc::internal, 500, "INTERNAL_ERROR"}),
    [](const ::testing::TestParamInfo<Mapping>& info) {
        return std::string(ErrcName(info.param.errc));
    });

TEST(ErrorMappingCoverageTest, TheTableAboveCoversEveryEnumerator) {
    // A new Errc must be added to the table; this fails if `internal` stops being the last one.
    EXPECT_EQ(static_cast<int>(Errc::internal), 16);
    EXPECT_EQ(ErrcName(static_cast<Errc>(17)), "unknown");
}

TEST(ErrorMappingCoverageTest, CodesAreFromTheDocumentedSet) {
    const std::set<std::string_view> documented = {
        "UNAUTHORIZED",       "FORBIDDEN",         "NOT_FOUND",
        "VALIDATION_ERROR",   "STAGE_FULL",        "STAGE_LIMIT_REACHED",
        "TOKEN_GENERATION_FAILED", "TOO_MANY_REQUESTS", "SERVICE_UNAVAILABLE",
        "PAYLOAD_TOO_LARGE",  "METHOD_NOT_ALLOWED", "INTERNAL_ERROR"};
    for (int i = 0; i <= static_cast<int>(Errc::internal); ++i) {
        EXPECT_EQ(documented.count(MapError(static_cast<Errc>(i)).code), 1u) << i;
    }
}

void ExpectTimestamp(const json::value& v) {
    ASSERT_TRUE(v.as_object().contains("timestamp"));
    std::string ts(v.at("timestamp").as_string());
    // ISO-8601 UTC with milliseconds: 2024-01-02T03:04:05.678Z
    ASSERT_EQ(ts.size(), 24u) << ts;
    EXPECT_EQ(ts[10], 'T');
    EXPECT_EQ(ts[19], '.');
    EXPECT_EQ(ts.back(), 'Z');
    EXPECT_TRUE(ParseIso8601(ts).has_value()) << ts;
}

TEST(EnvelopeTest, SuccessEnvelopeFields) {
    Reply r = EnvelopeOk(json::object{{"a", 1}});
    EXPECT_EQ(r.status, HttpStatus::ok);
    EXPECT_NE(r.content_type.find("application/json"), std::string::npos);
    json::value v = json::parse(r.body);
    EXPECT_EQ(v.at("success"), true);
    EXPECT_EQ(v.at("data").at("a"), 1);
    EXPECT_FALSE(v.as_object().contains("message"));
    EXPECT_FALSE(v.as_object().contains("error"));
    ExpectTimestamp(v);
}

TEST(EnvelopeTest, SuccessWithStatusAndMessage) {
    Reply r = EnvelopeOk(json::array{}, HttpStatus::created, "Stage created");
    EXPECT_EQ(r.status, HttpStatus::created);
    json::value v = json::parse(r.body);
    EXPECT_EQ(v.at("message"), "Stage created");
    EXPECT_TRUE(v.at("data").is_array());
}

TEST(EnvelopeTest, ErrorEnvelopeFields) {
    Reply r = EnvelopeError(MissingFields({"userId"}, "userId is required"));
    EXPECT_EQ(r.status, HttpStatus::bad_request);
    json::value v = json::parse(r.body);
    EXPECT_EQ(v.at("success"), false);
    EXPECT_FALSE(v.as_object().contains("data"));
    EXPECT_EQ(v.at("error").at("code"), "VALIDATION_ERROR");
    EXPECT_EQ(v.at("error").at("message"), "userId is required");
    const auto& missing = v.at("error").at("details").at("missingFields").as_array();
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing[0], "userId");
    ExpectTimestamp(v);
}

TEST(EnvelopeTest, InvalidFieldsDetails) {
    Reply r = EnvelopeError(InvalidFields({"stageArn", "userId"}));
    json::value v = json::parse(r.body);
    EXPECT_EQ(v.at("error").at("details").at("invalidFields").as_array().size(), 2u);
    EXPECT_FALSE(v.at("error").at("message").as_string().empty());
}

TEST(EnvelopeTest, NoDetailsKeyWhenThereAreNone) {
    Reply r = EnvelopeError(Error(Errc::not_found, "Route /api/x does not exist"));
    json::value v = json::parse(r.body);
    EXPECT_FALSE(v.at("error").as_object().contains("details"));
}

TEST(EnvelopeTest, EmptyMessageFallsBackToTheErrcName) {
    Reply r = EnvelopeError(Error(Errc::unavailable, ""));
    json::value v = json::parse(r.body);
    EXPECT_FALSE(v.at("error").at("message").as_string().empty());
}

TEST(EnvelopeTest, RetryAfterHeaderOnlyWhenAsked) {
    Reply limited = EnvelopeError(Error(Errc::rate_limited, "slow down").WithRetryAfter(42));
    EXPECT_EQ(limited.status, HttpStatus::too_many_requests);
    bool found = false;
    for (const auto& [k, v] : limited.headers) {
        if (k == "Retry-After") {
            EXPECT_EQ(v, "42");
            found = true;
        }
    }
    EXPECT_TRUE(found);

    Reply plain = EnvelopeError(Error(Errc::rate_limited, "slow down"));
    for (const auto& [k, v] : plain.headers) EXPECT_NE(k, "Retry-After");
}

TEST(EnvelopeTest, ToReplyPicksTheEnvelope) {
    Result<int> ok = 5;
    Reply a = ToReply(ok, HttpStatus::created);
    EXPECT_EQ(a.status, HttpStatus::created);
    EXPECT_EQ(json::parse(a.body).at("data"), 5);

    Result<int> bad = Error(Errc::stage_full, "All stages are full");
    Reply b = ToReply(bad);
    EXPECT_EQ(b.status, HttpStatus::service_unavailable);
    EXPECT_EQ(json::parse(b.body).at("error").at("code"), "STAGE_FULL");
}

TEST(EnvelopeTest, RawJsonHasNoEnvelope) {
    Reply r = RawJson(json::object{{"service", "x"}});
    json::value v = json::parse(r.body);
    EXPECT_FALSE(v.as_object().contains("success"));
    EXPECT_EQ(v.at("service"), "x");
}

}  // namespace
}  // namespace ivs::http
