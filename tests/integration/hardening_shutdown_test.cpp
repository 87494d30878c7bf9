// SIGTERM whatever the dependencies do: the real binary in production mode, with its Redis or
// its PostgreSQL gone (stopped) or hung (SIGSTOP) when the signal arrives, exits 0 within
// SHUTDOWN_GRACE_SECONDS.

#include <signal.h>

#include <functional>

#include "../contract/history_test_util.hpp"
#include "../unit/redis_test_util.hpp"
#include "foundation_support.hpp"
#include "live_publisher.hpp"

namespace ivs::test {
namespace {

constexpr const char* kKey = "hardening-shutdown-key-01";
constexpr int kGraceSeconds = 5;

std::map<std::string, std::string> ProductionEnv(int redis_port, int pg_port) {
    return {{"API_PORT", "0"},
            {"API_HOST", "127.0.0.1"},
            {"API_SECRET_KEY", kKey},
            {"LOG_LEVEL", "info"},
            {"IO_THREADS", "2"},
            {"SESSION_SECRET", "hardening-shutdown-secret-0123"},
            {"SHUTDOWN_GRACE_SECONDS", std::to_string(kGraceSeconds)},
            {"REDIS_HOST", "127.0.0.1"},
            {"REDIS_PORT", std::to_string(redis_port)},
            {"DB_HOST", "127.0.0.1"},
            {"DB_PORT", std::to_string(pg_port)},
            {"DB_NAME", "ivs_test"},
            {"DB_USER", "postgres"}};
}

// Resumes a stopped dependency however the test ends (a stopped server cannot be shut down).
class OnExit {
public:
    explicit OnExit(std::function<void()> f) : f_(std::move(f)) {}
    ~OnExit() { f_(); }

private:
    std::function<void()> f_;
};

// A broadcaster publishes and a viewer joins (so Redis and PostgreSQL both carry work, and the
// publisher poll has the live broadcast to confirm), applies `fault`, then SIGTERM: the process
// must exit 0 within the grace period (and a little slack for the test's poll).
void ExpectSigtermExitsInTime(const std::function<void(PrivateRedis&, PrivatePostgres&)>& fault,
                              const std::function<void(PrivateRedis&, PrivatePostgres&)>& resume) {
    PrivateRedis redis;
    PrivatePostgres pg;
    ASSERT_TRUE(pg.Start());
    OnExit cleanup([&] { resume(redis, pg); });
    ChildServer p({}, ProductionEnv(redis.port(), pg.Options().port));
    unsigned short port = p.WaitForPort();
    ASSERT_NE(port, 0) << p.Stderr();
    LivePublisher publisher(port, kKey);
    ASSERT_TRUE(publisher.live()) << publisher.error() << p.Stderr();
    HttpResponse join = TryHttpCall(port, "POST", "/api/token/viewer", R"({"userId":"shut-1"})",
                                    {{"x-api-key", kKey}, {"content-type", "application/json"}});
    ASSERT_EQ(join.status, 200u) << join.body << p.Stderr();
    fault(redis, pg);
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(std::chrono::seconds(kGraceSeconds + 3)), 0) << p.Stderr();
}

void Nothing(PrivateRedis&, PrivatePostgres&) {}

TEST(HardeningShutdownTest, SigtermExitsInTimeWithRedisGone) {
    IVS_REQUIRE_HARNESS("IVS_TEST_HARNESS_DIR");
    ExpectSigtermExitsInTime([](PrivateRedis& r, PrivatePostgres&) { r.Stop(); }, Nothing);
}

TEST(HardeningShutdownTest, SigtermExitsInTimeWithRedisHung) {
    IVS_REQUIRE_HARNESS("IVS_TEST_HARNESS_DIR");
    ExpectSigtermExitsInTime([](PrivateRedis& r, PrivatePostgres&) { ASSERT_TRUE(r.Signal(SIGSTOP)); },
                             [](PrivateRedis& r, PrivatePostgres&) { r.Signal(SIGCONT); });
}

TEST(HardeningShutdownTest, SigtermExitsInTimeWithPostgresGone) {
    IVS_REQUIRE_HARNESS("IVS_TEST_HARNESS_DIR");
    ExpectSigtermExitsInTime([](PrivateRedis&, PrivatePostgres& pg) { pg.Stop(); }, Nothing);
}

TEST(HardeningShutdownTest, SigtermExitsInTimeWithPostgresHung) {
    IVS_REQUIRE_HARNESS("IVS_TEST_HARNESS_DIR");
    ExpectSigtermExitsInTime(
        [](PrivateRedis&, PrivatePostgres& pg) { ASSERT_TRUE(pg.Signal(SIGSTOP)); },
        [](PrivateRedis&, PrivatePostgres& pg) { pg.Signal(SIGCONT); });
}

}  // namespace
}  // namespace ivs::test
