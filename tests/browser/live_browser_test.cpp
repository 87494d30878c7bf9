// Runs the dashboard test (dashboard.test.mjs, headless Chromium via playwright-core) against
// the whole server in-process.
#include <gtest/gtest.h>

#include <filesystem>

#include "live_publisher.hpp"
#include "test_support.hpp"

namespace ivs::test {
namespace {

// IVS_BROWSER_JOINS overrides the number of viewers (e.g. 31 for a screenshot).
std::string Joins() {
    const char* n = std::getenv("IVS_BROWSER_JOINS");
    return n ? n : "5";
}

TEST(DashboardBrowser, ShowsViewerCountAfterJoinsAndFollowsLeaves) {
    const std::string dir = IVS_BROWSER_DIR;
    const char* chromium = std::getenv("IVS_BROWSER_CHROMIUM");
    std::string chromium_path = chromium ? chromium : "/usr/bin/chromium";
    if (!std::filesystem::exists(chromium_path) || RunCommand("command -v node >/dev/null") != 0) {
        if (ServicesRequired()) FAIL() << "chromium or node missing (scripts/install-deps.sh)";
        GTEST_SKIP() << "chromium or node missing";
    }
    if (!std::filesystem::exists(dir + "/node_modules/playwright-core")) {
        std::string out;
        int rc = RunCommand("cd '" + dir + "' && npm install --no-audit --no-fund 2>&1", &out);
        ASSERT_EQ(rc, 0) << "npm install failed:\n" << out;
    }
    TestServer server(Environment{{"NODE_ENV", "production"}, {"SNAPSHOT_INTERVAL_SECONDS", "1"}});
    auto publisher = PublishLive(server);  // the dashboard's viewers join a live broadcast
    ASSERT_TRUE(publisher->live()) << publisher->error();
    std::string out;
    int rc = RunCommand("cd '" + dir + "' && IVS_BROWSER_BASE_URL=http://127.0.0.1:" +
                            std::to_string(server.port()) + " IVS_BROWSER_API_KEY=" +
                            TestServer::kTestKey + " IVS_BROWSER_CHROMIUM=" + chromium_path +
                            " IVS_BROWSER_JOINS=" + Joins() +
                            " timeout 120 node dashboard.test.mjs 2>&1",
                        &out);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("PASS"), std::string::npos) << out;
}

}  // namespace
}  // namespace ivs::test
