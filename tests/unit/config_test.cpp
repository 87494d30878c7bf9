#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "config/config.hpp"
#include "test_support.hpp"

namespace ivs {
namespace {

// True when one of `errors` mentions `needle`.
bool AnyMentions(const std::vector<std::string>& errors, const std::string& needle) {
    for (const auto& e : errors) {
        if (e.find(needle) != std::string::npos) return true;
    }
    return false;
}

std::string Joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += s + "\n";
    return out;
}

TEST(ConfigTest, DefaultsMatchTheSeedAndTheDesign) {
    auto r = LoadConfig({});
    ASSERT_TRUE(r.errors.empty()) << Joined(r.errors);
    const Config& c = r.config;
    EXPECT_EQ(c.api_port, 3000);
    EXPECT_EQ(c.node_env, "production");
    EXPECT_EQ(c.max_body_bytes, 64u * 1024u);
    EXPECT_EQ(c.rate_limit_window_ms, 60000);
    EXPECT_EQ(c.rate_limit_max_requests, 100);
    EXPECT_FALSE(c.trust_proxy);
    EXPECT_FALSE(c.skip_auth);
    EXPECT_FALSE(c.log_json);
    EXPECT_EQ(c.log_level, "info");
    EXPECT_EQ(c.shutdown_grace_seconds, 30);
    EXPECT_EQ(c.stage_capacity, 50);
    EXPECT_EQ(c.scale_up_threshold, 45);
    EXPECT_EQ(c.scale_down_threshold, 5);
    EXPECT_EQ(c.max_stages, 20);
    EXPECT_EQ(c.publisher_token_ttl_minutes, 240);
    EXPECT_EQ(c.viewer_token_ttl_minutes, 60);
    EXPECT_EQ(c.mediaserver_token_ttl_minutes, 240);
    EXPECT_EQ(c.heartbeat_timeout_seconds, 60);
    EXPECT_EQ(c.data_dir, "./data");
    EXPECT_TRUE(c.api_keys.empty());
    EXPECT_EQ(c.hot_store, HotStoreKind::memory);
    EXPECT_EQ(c.cold_store, ColdStoreKind::sqlite);
    EXPECT_EQ(c.ivs_backend, IvsBackendKind::local);
    EXPECT_EQ(c.token_signing, TokenSigningKind::self);
    EXPECT_EQ(c.token_signing_library, TokenSigningLibrary::nettle);
    EXPECT_GE(c.ResolvedIoThreads(), 1);
}

struct BadValue {
    const char* name;
    const char* value;
};

class InvalidValueTest : public ::testing::TestWithParam<BadValue> {};

TEST_P(InvalidValueTest, ErrorNamesTheVariable) {
    const BadValue& bad = GetParam();
    auto r = LoadConfig({{bad.name, bad.value}});
    ASSERT_FALSE(r.errors.empty()) << bad.name << "=" << bad.value << " was accepted";
    EXPECT_TRUE(AnyMentions(r.errors, bad.name)) << Joined(r.errors);
}

INSTANTIATE_TEST_SUITE_P(
    EveryKind, InvalidValueTest,
    ::testing::Values(BadValue{"API_PORT", "notaport"},      // not an integer
                      BadValue{"API_PORT", "70000"},         // out of range
                      BadValue{"API_PORT", "-1"},            // below range
                      BadValue{"API_PORT", "3000abc"},       // trailing garbage
                      BadValue{"MAX_BODY_BYTES", "10"},      // below minimum
                      BadValue{"RATE_LIMIT_MAX_REQUESTS", "0"},
                      BadValue{"RATE_LIMIT_WINDOW_MS", "1.5"},
                      BadValue{"TRUST_PROXY", "maybe"},      // not a boolean
                      BadValue{"SKIP_AUTH", "sure"},
                      BadValue{"LOG_LEVEL", "loud"},         // not a choice
                      BadValue{"LOG_FORMAT", "xml"},
                      BadValue{"HOT_STORE", "disk"},
                      BadValue{"COLD_STORE", "mysql"},
                      BadValue{"IVS_BACKEND", "gcp"},
                      BadValue{"FANOUT_MODE", "magic"},
                      BadValue{"TOKEN_SIGNING_LIBRARY", "gnutls"},
                      BadValue{"IVS_STAGE_TPS", "fast"},     // not a number
                      BadValue{"IVS_TOKEN_TPS", "0"},        // below range
                      BadValue{"API_KEYS", "only-two:admin"},
                      BadValue{"SESSION_SECRET", "short"}),
    [](const ::testing::TestParamInfo<BadValue>& info) {
        return std::string(info.param.name) + "_" + std::to_string(info.index);
    });

TEST(ConfigTest, ValidValuesAreParsed) {
    auto r = LoadConfig({{"API_PORT", " 8080 "},
                         {"TRUST_PROXY", "TRUE"},
                         {"LOG_FORMAT", "json"},
                         {"LOG_LEVEL", "debug"},
                         {"CORS_ORIGINS", "https://a.example, https://b.example,,"},
                         {"IVS_STAGE_TPS", "2.5"},
                         {"MAX_BODY_BYTES", "2048"},
                         {"TOKEN_SIGNING_LIBRARY", "openssl"}});
    ASSERT_TRUE(r.errors.empty()) << Joined(r.errors);
    EXPECT_EQ(r.config.api_port, 8080);
    EXPECT_TRUE(r.config.trust_proxy);
    EXPECT_TRUE(r.config.log_json);
    EXPECT_EQ(r.config.log_level, "debug");
    ASSERT_EQ(r.config.cors_origins.size(), 2u);
    EXPECT_EQ(r.config.cors_origins[1], "https://b.example");
    EXPECT_DOUBLE_EQ(r.config.ivs_stage_tps, 2.5);
    EXPECT_EQ(r.config.max_body_bytes, 2048u);
    EXPECT_EQ(r.config.token_signing_library, TokenSigningLibrary::openssl);
}

TEST(ConfigTest, EveryErrorIsReportedNotJustTheFirst) {
    auto r = LoadConfig({{"API_PORT", "x"}, {"REDIS_PORT", "y"}, {"TRUST_PROXY", "z"}});
    EXPECT_TRUE(AnyMentions(r.errors, "API_PORT"));
    EXPECT_TRUE(AnyMentions(r.errors, "REDIS_PORT"));
    EXPECT_TRUE(AnyMentions(r.errors, "TRUST_PROXY"));
}

TEST(DotEnvTest, ParsesCommentsQuotesAndExport) {
    Environment env = ParseDotEnv(
        "# a comment\n"
        "\n"
        "API_PORT=4000\n"
        "export NODE_ENV=development\n"
        "CORS_ORIGINS=\"https://x.example, https://y.example\"\n"
        "API_SECRET_KEY='with # hash'\n"
        "LOG_LEVEL=debug # trailing comment\n"
        "  SPACED  =  value  \r\n"
        "EMPTY=\n"
        "not a variable line\n");
    EXPECT_EQ(env.at("API_PORT"), "4000");
    EXPECT_EQ(env.at("NODE_ENV"), "development");
    EXPECT_EQ(env.at("CORS_ORIGINS"), "https://x.example, https://y.example");
    EXPECT_EQ(env.at("API_SECRET_KEY"), "with # hash");
    EXPECT_EQ(env.at("LOG_LEVEL"), "debug");
    EXPECT_EQ(env.at("SPACED"), "value");
    EXPECT_EQ(env.at("EMPTY"), "");
    EXPECT_EQ(env.count("not a variable line"), 0u);
    EXPECT_EQ(env.size(), 7u);
}

TEST(DotEnvTest, ProcessEnvironmentWinsOverTheFile) {
    test::TempDir dir;
    std::string path = dir.path() + "/.env";
    std::ofstream(path) << "IVS_CONFIG_TEST_A=from-file\nIVS_CONFIG_TEST_B=from-file\n";
    ::setenv("IVS_CONFIG_TEST_A", "from-env", 1);
    ::unsetenv("IVS_CONFIG_TEST_B");
    Environment env = ReadEnvironment(path);
    ::unsetenv("IVS_CONFIG_TEST_A");
    EXPECT_EQ(env.at("IVS_CONFIG_TEST_A"), "from-env");
    EXPECT_EQ(env.at("IVS_CONFIG_TEST_B"), "from-file");
}

TEST(DotEnvTest, MissingFileIsNotAnError) {
    Environment env = ReadEnvironment("/nonexistent/ivs/.env");
    EXPECT_FALSE(env.empty());  // still the process environment (PATH at least)
}

TEST(ApiKeysTest, SecretKeyAndKeyListWithScopesAndLimits) {
    auto r = LoadConfig({{"API_SECRET_KEY", "admin-secret-1"},
                         {"API_KEYS", "web:app:app-secret-1, dash:read:read-secret-1:500"}});
    ASSERT_TRUE(r.errors.empty()) << Joined(r.errors);
    const auto& keys = r.config.api_keys;
    ASSERT_EQ(keys.size(), 3u);
    EXPECT_EQ(keys[0].name, "default");
    EXPECT_EQ(keys[0].scope, Scope::admin);
    EXPECT_EQ(keys[0].secret, "admin-secret-1");
    EXPECT_EQ(keys[0].rate_limit, 0);
    EXPECT_EQ(keys[1].name, "web");
    EXPECT_EQ(keys[1].scope, Scope::app);
    EXPECT_EQ(keys[1].secret, "app-secret-1");
    EXPECT_EQ(keys[1].rate_limit, 0);
    EXPECT_EQ(keys[2].name, "dash");
    EXPECT_EQ(keys[2].scope, Scope::read);
    EXPECT_EQ(keys[2].rate_limit, 500);
}

TEST(ApiKeysTest, InvalidEntriesNameApiKeysAndNeverTheSecret) {
    for (const char* bad : {"web:owner:app-secret-1", "web:app:short", "web:app:app-secret-1:0",
                            "web:app:app-secret-1:lots", "web:app", "a:b:c:d:e"}) {
        auto r = LoadConfig({{"API_KEYS", bad}});
        ASSERT_FALSE(r.errors.empty()) << bad;
        EXPECT_TRUE(AnyMentions(r.errors, "API_KEYS")) << bad << ": " << Joined(r.errors);
        EXPECT_FALSE(AnyMentions(r.errors, "app-secret-1")) << Joined(r.errors);
    }
}

TEST(ModeTest, DefaultsFollowTheVariablesThatImplyThemWithReasons) {
    auto r = LoadConfig({});
    EXPECT_NE(r.config.hot_store_reason.find("REDIS_HOST"), std::string::npos);
    EXPECT_NE(r.config.cold_store_reason.find("DB_HOST"), std::string::npos);
    EXPECT_NE(r.config.ivs_backend_reason.find("MASTER_STAGE_ARN"), std::string::npos);

    r = LoadConfig({{"REDIS_HOST", "10.0.0.1"},
                    {"SESSION_SECRET", "0123456789abcdef0123"},
                    {"DB_HOST", "db.internal"},
                    {"MASTER_STAGE_ARN", "arn:aws:ivs:us-east-1:123456789012:stage/abc"},
                    {"TOKEN_SIGNING", "api"}});
    ASSERT_TRUE(r.errors.empty()) << Joined(r.errors);
    EXPECT_EQ(r.config.hot_store, HotStoreKind::redis);
    EXPECT_EQ(r.config.hot_store_reason, "REDIS_HOST is set");
    EXPECT_EQ(r.config.cold_store, ColdStoreKind::postgres);
    EXPECT_EQ(r.config.cold_store_reason, "DB_HOST is set");
    EXPECT_EQ(r.config.ivs_backend, IvsBackendKind::aws);
    EXPECT_EQ(r.config.ivs_backend_reason, "MASTER_STAGE_ARN is set");
    EXPECT_EQ(r.config.token_signing, TokenSigningKind::api);
}

TEST(ModeTest, IvsEndpointAloneSelectsAwsButStillNeedsTheMasterStage) {
    auto r = LoadConfig({{"IVS_ENDPOINT", "http://127.0.0.1:9999"}});
    EXPECT_EQ(r.config.ivs_backend, IvsBackendKind::aws);
    EXPECT_EQ(r.config.ivs_backend_reason, "IVS_ENDPOINT is set");
    EXPECT_TRUE(AnyMentions(r.errors, "MASTER_STAGE_ARN")) << Joined(r.errors);
}

TEST(ModeTest, ExplicitSelectorsOverrideTheDefaults) {
    auto r = LoadConfig({{"HOT_STORE", "memory"},
                         {"REDIS_HOST", "10.0.0.1"},
                         {"COLD_STORE", "sqlite"},
                         {"DB_HOST", "db.internal"},
                         {"IVS_BACKEND", "local"},
                         {"IVS_ENDPOINT", "http://127.0.0.1:1"}});
    ASSERT_TRUE(r.errors.empty()) << Joined(r.errors);
    EXPECT_EQ(r.config.hot_store, HotStoreKind::memory);
    EXPECT_EQ(r.config.hot_store_reason, "HOT_STORE=memory");
    EXPECT_EQ(r.config.cold_store, ColdStoreKind::sqlite);
    EXPECT_EQ(r.config.cold_store_reason, "COLD_STORE=sqlite");
    EXPECT_EQ(r.config.ivs_backend, IvsBackendKind::local);
    EXPECT_EQ(r.config.ivs_backend_reason, "IVS_BACKEND=local");
}

TEST(ModeTest, SelectorWithoutItsSettingsIsAnErrorNamingTheMissingVariable) {
    struct Case {
        Environment env;
        const char* missing;
    };
    const Case cases[] = {
        {{{"HOT_STORE", "redis"}, {"SESSION_SECRET", "0123456789abcdef0123"}}, "REDIS_HOST"},
        {{{"COLD_STORE", "postgres"}}, "DB_HOST"},
        {{{"IVS_BACKEND", "aws"}, {"TOKEN_SIGNING", "api"}}, "MASTER_STAGE_ARN"},
        {{{"MASTER_STAGE_ARN", "arn:aws:ivs:us-east-1:1:stage/a"}, {"TOKEN_SIGNING", "self"}},
         "IVS_TOKEN_PRIVATE_KEY_FILE"},
    };
    for (const auto& c : cases) {
        auto r = LoadConfig(c.env);
        EXPECT_TRUE(AnyMentions(r.errors, c.missing))
            << "expected an error naming " << c.missing << ", got: " << Joined(r.errors);
    }
}

TEST(ModeTest, RedisModeStartsWithOnlyTheNodeServersVariables) {
    // The Node server has no SESSION_SECRET: its .env must be enough (the secret is then
    // shared through Redis at start).
    auto r = LoadConfig({{"REDIS_HOST", "10.0.0.1"}, {"REDIS_PORT", "6380"},
                         {"API_SECRET_KEY", "k"}});
    EXPECT_TRUE(r.errors.empty()) << Joined(r.errors);
    EXPECT_EQ(r.config.hot_store, HotStoreKind::redis);
}

TEST(ModeTest, CrossFieldRulesNameBothVariables) {
    auto r = LoadConfig({{"STAGE_CAPACITY", "10"}, {"SCALE_UP_THRESHOLD", "20"}});
    EXPECT_TRUE(AnyMentions(r.errors, "SCALE_UP_THRESHOLD"));
    EXPECT_TRUE(AnyMentions(r.errors, "STAGE_CAPACITY"));
}

TEST(SkipAuthTest, HonouredOnlyInDevelopment) {
    auto dev = LoadConfig({{"SKIP_AUTH", "true"}, {"NODE_ENV", "development"}});
    ASSERT_TRUE(dev.errors.empty());
    EXPECT_TRUE(dev.config.skip_auth);

    auto prod = LoadConfig({{"SKIP_AUTH", "true"}, {"NODE_ENV", "production"}});
    ASSERT_TRUE(prod.errors.empty());
    EXPECT_FALSE(prod.config.skip_auth);
    EXPECT_TRUE(prod.config.skip_auth_requested);
    EXPECT_TRUE(AnyMentions(prod.warnings, "SKIP_AUTH"));

    auto unset_env = LoadConfig({{"SKIP_AUTH", "true"}});
    EXPECT_FALSE(unset_env.config.skip_auth);

    auto off = LoadConfig({{"NODE_ENV", "development"}});
    EXPECT_FALSE(off.config.skip_auth);
}

TEST(DescribeConfigTest, ListsEveryVariableOnceWithHelpAndSecretsMarked) {
    auto vars = DescribeConfig();
    std::set<std::string> names;
    for (const auto& v : vars) {
        EXPECT_TRUE(names.insert(v.name).second) << v.name << " listed twice";
        EXPECT_FALSE(v.help.empty()) << v.name;
        EXPECT_FALSE(v.default_text.empty()) << v.name;
    }
    for (const char* name :
         {"API_PORT", "API_SECRET_KEY", "API_KEYS", "NODE_ENV", "CORS_ORIGINS", "LOG_LEVEL",
          "LOG_FORMAT", "RATE_LIMIT_WINDOW_MS", "RATE_LIMIT_MAX_REQUESTS", "TRUST_PROXY",
          "SKIP_AUTH", "INTERNAL_SECRET", "MAX_BODY_BYTES", "SHUTDOWN_GRACE_SECONDS", "REDIS_HOST",
          "DB_HOST", "MASTER_STAGE_ARN", "AWS_REGION", "HOT_STORE", "COLD_STORE", "IVS_BACKEND",
          "CLOUDWATCH_ENABLED", "SESSION_SECRET"}) {
        EXPECT_EQ(names.count(name), 1u) << name << " missing from --help";
    }
    for (const auto& v : vars) {
        if (v.name == "API_SECRET_KEY" || v.name == "API_KEYS" || v.name == "REDIS_PASSWORD" ||
            v.name == "DB_PASSWORD" || v.name == "INTERNAL_SECRET" ||
            v.name == "SESSION_SECRET" || v.name == "AWS_SECRET_ACCESS_KEY") {
            EXPECT_TRUE(v.secret) << v.name << " should be marked secret";
        }
    }
    std::string help = ConfigHelpText();
    for (const auto& v : vars) EXPECT_NE(help.find(v.name), std::string::npos) << v.name;
}

}  // namespace
}  // namespace ivs
