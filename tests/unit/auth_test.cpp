#include <gtest/gtest.h>

#include "config/config.hpp"
#include "http/auth.hpp"

namespace ivs::http {
namespace {

namespace bhttp = boost::beast::http;

AuthOptions KeysConfig(bool skip_auth = false) {
    AuthOptions c;
    c.api_keys = {{"default", Scope::admin, "admin-secret-1", 0},
                  {"web", Scope::app, "app-secret-1", 0},
                  {"dash", Scope::read, "read-secret-1", 500},
                  // Same length as the admin key, differs only in the last byte.
                  {"other", Scope::read, "admin-secret-2", 0}};
    c.skip_auth = skip_auth;
    return c;
}

Request MakeRequest(Verb method, std::map<std::string, std::string> headers = {}) {
    Request r{method, "/api/x", 11};
    for (const auto& [k, v] : headers) r.set(k, v);
    return r;
}

RouteOptions Route(Access access, bool allow_session = false) {
    RouteOptions o;
    o.access = access;
    o.allow_session = allow_session;
    return o;
}

TEST(AuthenticatorTest, PicksTheMatchingKeyAndItsScope) {
    AuthOptions c = KeysConfig();
    Authenticator auth(c);
    struct Case {
        const char* secret;
        const char* name;
        Scope scope;
        int limit;
    };
    for (const Case& k : {Case{"admin-secret-1", "default", Scope::admin, 0},
                          Case{"app-secret-1", "web", Scope::app, 0},
                          Case{"read-secret-1", "dash", Scope::read, 500},
                          Case{"admin-secret-2", "other", Scope::read, 0}}) {
        Identity id = auth.Identify(MakeRequest(Verb::get, {{"x-api-key", k.secret}}));
        EXPECT_FALSE(id.rejected) << k.secret;
        EXPECT_EQ(id.principal.kind, Principal::Kind::api_key);
        EXPECT_EQ(id.principal.key_name, k.name);
        EXPECT_EQ(id.principal.scope, k.scope);
        EXPECT_EQ(id.principal.rate_limit, k.limit);
    }
}

TEST(AuthenticatorTest, WrongKeyIsRejectedWithUnauthorized) {
    AuthOptions c = KeysConfig();
    Authenticator auth(c);
    for (const char* wrong : {"admin-secret-3", "admin-secret-1x", "Admin-secret-1", "admin-secret", "", "x"}) {
        Identity id = auth.Identify(MakeRequest(Verb::get, {{"x-api-key", wrong}}));
        ASSERT_TRUE(id.rejected) << "'" << wrong << "'";
        EXPECT_EQ(id.rejected->code, Errc::unauthorized);
        EXPECT_EQ(id.rejected->message.find("secret"), std::string::npos)
            << "the presented key must not be echoed: " << id.rejected->message;
        Status s = auth.Authorize(id, Route(Access::read), Verb::get);
        ASSERT_FALSE(s);
        EXPECT_EQ(s.error().code, Errc::unauthorized);
        // Open routes stay open even with a bad key.
        EXPECT_TRUE(auth.Authorize(id, Route(Access::open), Verb::get));
    }
}

TEST(AuthenticatorTest, MissingCredentialsAreUnauthorizedExceptOnOpenRoutes) {
    AuthOptions c = KeysConfig();
    Authenticator auth(c);
    Identity id = auth.Identify(MakeRequest(Verb::get));
    EXPECT_FALSE(id.rejected);
    EXPECT_EQ(id.principal.kind, Principal::Kind::anonymous);
    EXPECT_TRUE(auth.Authorize(id, Route(Access::open), Verb::get));
    for (Access a : {Access::read, Access::app, Access::admin}) {
        Status s = auth.Authorize(id, Route(a), Verb::get);
        ASSERT_FALSE(s);
        EXPECT_EQ(s.error().code, Errc::unauthorized);
    }
}

// Expected outcome of (key scope, route access, method): 0 ok, 403 forbidden.
struct ScopeCase {
    const char* secret;
    Access access;
    Verb method;
    bool allowed;
};

class ScopeTest : public ::testing::TestWithParam<ScopeCase> {};

TEST_P(ScopeTest, ScopesLimitWhatAKeyMayCall) {
    const ScopeCase& sc = GetParam();
    AuthOptions c = KeysConfig();
    Authenticator auth(c);
    Identity id = auth.Identify(MakeRequest(sc.method, {{"x-api-key", sc.secret}}));
    Status s = auth.Authorize(id, Route(sc.access), sc.method);
    if (sc.allowed) {
        EXPECT_TRUE(s) << s.error().message;
    } else {
        ASSERT_FALSE(s);
        EXPECT_EQ(s.error().code, Errc::forbidden);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, ScopeTest,
    ::testing::Values(
        // admin: everything
        ScopeCase{"admin-secret-1", Access::admin, Verb::post, true},
        ScopeCase{"admin-secret-1", Access::admin, Verb::delete_, true},
        ScopeCase{"admin-secret-1", Access::app, Verb::post, true},
        ScopeCase{"admin-secret-1", Access::read, Verb::get, true},
        // app: viewer calls and reads, not admin routes
        ScopeCase{"app-secret-1", Access::app, Verb::post, true},
        ScopeCase{"app-secret-1", Access::read, Verb::get, true},
        ScopeCase{"app-secret-1", Access::admin, Verb::post, false},
        ScopeCase{"app-secret-1", Access::admin, Verb::get, false},
        // read: GET (and HEAD) on read routes only
        ScopeCase{"read-secret-1", Access::read, Verb::get, true},
        ScopeCase{"read-secret-1", Access::read, Verb::head, true},
        ScopeCase{"read-secret-1", Access::read, Verb::post, false},
        ScopeCase{"read-secret-1", Access::read, Verb::delete_, false},
        ScopeCase{"read-secret-1", Access::app, Verb::post, false},
        ScopeCase{"read-secret-1", Access::app, Verb::get, false},
        ScopeCase{"read-secret-1", Access::admin, Verb::get, false},
        ScopeCase{"read-secret-1", Access::admin, Verb::delete_, false}));

TEST(SessionTokenTest, AcceptedOnlyWhereTheRouteAllowsSessions) {
    AuthOptions c = KeysConfig();
    Authenticator auth(c, [](std::string_view token) -> std::optional<SessionClaims> {
        if (token != "good-token") return std::nullopt;
        return SessionClaims{"sess-1", "alice", "arn:aws:ivs:us-east-1:1:stage/a"};
    });
    Identity id =
        auth.Identify(MakeRequest(Verb::post, {{"authorization", "Bearer good-token"}}));
    ASSERT_FALSE(id.rejected);
    EXPECT_EQ(id.principal.kind, Principal::Kind::session);
    ASSERT_TRUE(id.principal.session);
    EXPECT_EQ(id.principal.session->user_id, "alice");
    EXPECT_FALSE(id.principal.IsApiKey());

    EXPECT_TRUE(auth.Authorize(id, Route(Access::app, true), Verb::post));
    for (Access a : {Access::read, Access::app, Access::admin}) {
        Status s = auth.Authorize(id, Route(a, false), Verb::post);
        ASSERT_FALSE(s);
        EXPECT_EQ(s.error().code, Errc::forbidden);
    }

    Identity bad = auth.Identify(MakeRequest(Verb::post, {{"authorization", "Bearer forged"}}));
    ASSERT_TRUE(bad.rejected);
    EXPECT_EQ(bad.rejected->code, Errc::unauthorized);
    Status s = auth.Authorize(bad, Route(Access::app, true), Verb::post);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::unauthorized);
}

TEST(SessionTokenTest, WithoutAVerifierEveryTokenIsRejected) {
    AuthOptions c = KeysConfig();
    Authenticator auth(c);
    Identity id = auth.Identify(MakeRequest(Verb::post, {{"authorization", "Bearer anything"}}));
    ASSERT_TRUE(id.rejected);
    EXPECT_EQ(id.rejected->code, Errc::unauthorized);
}

TEST(SessionTokenTest, ApiKeyWinsOverABearerToken) {
    AuthOptions c = KeysConfig();
    Authenticator auth(c);
    Identity id = auth.Identify(MakeRequest(
        Verb::get, {{"x-api-key", "app-secret-1"}, {"authorization", "Bearer whatever"}}));
    ASSERT_FALSE(id.rejected);
    EXPECT_EQ(id.principal.kind, Principal::Kind::api_key);
    EXPECT_EQ(id.principal.key_name, "web");
}

TEST(SkipAuthTest, DevelopmentPrincipalIsAdmin) {
    AuthOptions c = KeysConfig(/*skip_auth=*/true);
    Authenticator auth(c);
    Identity id = auth.Identify(MakeRequest(Verb::delete_));
    EXPECT_FALSE(id.rejected);
    EXPECT_EQ(id.principal.kind, Principal::Kind::development);
    EXPECT_TRUE(auth.Authorize(id, Route(Access::admin), Verb::delete_));
    // A valid key is still recognised (its name shows in logs and rate limits).
    Identity keyed = auth.Identify(MakeRequest(Verb::get, {{"x-api-key", "read-secret-1"}}));
    EXPECT_EQ(keyed.principal.key_name, "dash");
}

TEST(SkipAuthTest, WithoutSkipAuthNothingIsOpen) {
    AuthOptions c;  // no keys at all
    Authenticator auth(c);
    Identity id = auth.Identify(MakeRequest(Verb::get, {{"x-api-key", ""}}));
    Status s = auth.Authorize(id, Route(Access::read), Verb::get);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::unauthorized);
}

}  // namespace
}  // namespace ivs::http
