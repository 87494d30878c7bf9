// The embedded sandbox end to end, with real processes: `ivs-server` with its embedded defaults
// (REQUIRE_LIVE_PUBLISHER unset, the built-in emulator) and `ivs-server simulate publisher` /
// `simulate viewers` driving it through the API and the emulator's WHIP and subscribe endpoints.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <fstream>
#include <sstream>

#include "../unit/redis_test_util.hpp"
#include "test_support.hpp"

extern char** environ;

namespace ivs::test {
namespace {

namespace json = boost::json;
constexpr const char* kKey = "sandbox-test-key-0123456789";

// A child process with SIGINT and SIGTERM at their default disposition (so the test can stop it
// as a terminal would), its output in `log`. Killed on destruction if still running.
class Child {
public:
    Child(std::vector<std::string> args, std::vector<std::string> env, std::string log)
        : log_(std::move(log)) {
        std::vector<char*> argv, envp;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        for (auto& e : env) envp.push_back(e.data());
        envp.push_back(nullptr);
        posix_spawn_file_actions_t files;
        posix_spawn_file_actions_init(&files);
        posix_spawn_file_actions_addopen(&files, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&files, 1, 2);
        posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t defaults;
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGINT);
        sigaddset(&defaults, SIGTERM);
        posix_spawnattr_setsigdefault(&attr, &defaults);
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
        int rc = posix_spawn(&pid_, argv[0], &files, &attr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&files);
        posix_spawnattr_destroy(&attr);
        if (rc != 0) pid_ = 0;
    }
    ~Child() {
        if (!exited_ && pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    bool started() const { return pid_ > 0; }
    void Signal(int sig) { ::kill(pid_, sig); }
    // The exit status once the process ended within `timeout`; -1 when it is still running or
    // ended by a signal.
    int WaitExit(std::chrono::milliseconds timeout) {
        int status = 0;
        exited_ = WaitUntil([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout,
                            std::chrono::milliseconds(50));
        if (!exited_) return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::string Log() const {
        std::ifstream in(log_);
        std::stringstream s;
        s << in.rdbuf();
        std::string text = s.str();
        return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
    }

private:
    std::string log_;
    pid_t pid_ = 0;
    bool exited_ = false;
};

std::vector<std::string> BaseEnv() {
    std::vector<std::string> env;
    for (const char* name : {"PATH", "HOME"}) {
        if (const char* v = std::getenv(name)) env.push_back(std::string(name) + "=" + v);
    }
    return env;
}

class Sandbox : public ::testing::Test {
protected:
    void SetUp() override {
        auto binary = HarnessEnv("IVS_TEST_BINARY");
        if (!binary) GTEST_SKIP() << "IVS_TEST_BINARY is not set: run through tests/harness/run-tests.sh";
        binary_ = *binary;
        port_ = static_cast<unsigned short>(FreePort());
        auto env = BaseEnv();
        // Embedded defaults: only where to listen, where to keep data and the admin key.
        env.insert(env.end(), {"API_HOST=127.0.0.1", "LOG_LEVEL=info"});
        env.push_back("API_PORT=" + std::to_string(port_));
        env.push_back("DATA_DIR=" + dir_.path() + "/data");
        // The admin key of a backend that speaks for many viewers carries its own rate limit
        // (the default 100/min is per caller; the test's polls alone would exceed it).
        env.push_back(std::string("API_KEYS=sandbox-test:admin:") + kKey + ":100000");
        server_ = std::make_unique<Child>(std::vector<std::string>{binary_}, env,
                                          dir_.path() + "/server.log");
        ASSERT_TRUE(server_->started());
        ASSERT_TRUE(WaitUntil([&] { return TryHttpCall(port_, "GET", "/health").status == 200; },
                              std::chrono::seconds(20), std::chrono::milliseconds(50)))
            << server_->Log();
    }
    void TearDown() override {
        if (server_) {
            server_->Signal(SIGTERM);
            EXPECT_EQ(server_->WaitExit(std::chrono::seconds(30)), 0) << server_->Log();
        }
    }

    std::unique_ptr<Child> Simulate(std::vector<std::string> args, const std::string& name) {
        args.insert(args.begin(), {binary_, "simulate"});
        args.insert(args.end(), {"--url", "http://127.0.0.1:" + std::to_string(port_),
                                 "--api-key", kKey});
        auto child = std::make_unique<Child>(args, BaseEnv(), dir_.path() + "/" + name + ".log");
        EXPECT_TRUE(child->started());
        return child;
    }

    json::value Get(const std::string& target) const {
        return TryHttpCall(port_, "GET", target, {}, {{"x-api-key", kKey}}).Json();
    }
    static const json::object* Data(const json::value& v) {
        if (!v.is_object()) return nullptr;
        auto* d = v.as_object().if_contains("data");
        return d && d->is_object() ? &d->as_object() : nullptr;
    }
    bool Live() const {
        auto v = Get("/api/stats/publisher");
        auto* d = Data(v);
        auto* live = d ? d->if_contains("isPublisherLive") : nullptr;
        return live && live->is_bool() && live->as_bool();
    }
    std::int64_t TotalViewers() const {
        auto v = Get("/api/stats");
        auto* d = Data(v);
        auto* n = d ? d->if_contains("totalViewers") : nullptr;
        return n && n->is_int64() ? n->as_int64() : -1;
    }
    HttpResponse Join(const std::string& user) const {
        return TryHttpCall(port_, "POST", "/api/token/viewer",
                           json::serialize(json::object{{"userId", user}}),
                           {{"x-api-key", kKey}, {"content-type", "application/json"}});
    }
    // The non-master stages of /api/stage/list.
    std::vector<std::string> FanOutStages() const {
        std::vector<std::string> out;
        auto v = Get("/api/stage/list");
        auto* d = Data(v);
        auto* list = d ? d->if_contains("stages") : nullptr;
        if (!list || !list->is_array()) return out;
        for (const auto& s : list->as_array()) {
            if (!s.is_object() || s.as_object().if_contains("isMasterStage") == nullptr) continue;
            if (s.as_object().at("isMasterStage") == true) continue;
            out.push_back(json::value_to<std::string>(s.as_object().at("stageArn")));
        }
        return out;
    }
    // publisher-info's participant id, and whether every fan-out stage replicates it now.
    bool FanOutReplicates(std::string& publisher_pid, std::size_t& stages) const {
        auto info = Get("/api/stage/replication/publisher-info");
        auto* d = Data(info);
        auto* pi = d ? d->if_contains("publisherInfo") : nullptr;
        if (!pi || !pi->is_object() || !pi->as_object().contains("participantId")) return false;
        publisher_pid = json::value_to<std::string>(pi->as_object().at("participantId"));
        auto fan = FanOutStages();
        stages = fan.size();
        for (const auto& stage : fan) {
            auto st = Get("/api/stage/replication/status/" +
                          boost::urls::encode(stage, boost::urls::unreserved_chars));
            auto* sd = Data(st);
            auto* r = sd ? sd->if_contains("replicationInfo") : nullptr;
            if (!r || !r->is_object()) return false;
            const auto& o = r->as_object();
            if (!(o.contains("active") && o.at("active") == true && o.contains("participantId") &&
                  o.at("participantId") == json::value(publisher_pid.c_str()))) {
                return false;
            }
        }
        return !fan.empty();
    }

    TempDir dir_;
    std::string binary_;
    unsigned short port_ = 0;
    std::unique_ptr<Child> server_;
};

std::string Field(const HttpResponse& r, const char* object, const char* name) {
    auto v = r.Json();
    if (!v.is_object() || !v.as_object().contains(object)) return {};
    const auto& o = v.as_object().at(object);
    if (!o.is_object() || !o.as_object().contains(name) || !o.as_object().at(name).is_string()) {
        return {};
    }
    return std::string(o.as_object().at(name).as_string());
}

TEST_F(Sandbox, SimulatedPublisherMakesTheBroadcastLiveReplicatedAndOfflineWhenStopped) {
    ASSERT_FALSE(Live());
    auto refused = Join("before-live");
    EXPECT_NE(refused.status, 200u) << "no publisher yet: the default refuses viewers";

    auto publisher = Simulate({"publisher", "--user-id", "sim-broadcaster"}, "publisher");
    ASSERT_TRUE(WaitUntil([&] { return Live(); }, std::chrono::seconds(30),
                          std::chrono::milliseconds(200)))
        << publisher->Log();

    for (int i = 0; i < 3; ++i) {
        auto r = Join("viewer-" + std::to_string(i));
        ASSERT_EQ(r.status, 200u) << r.body;
    }
    std::string pid;
    std::size_t fan = 0;
    EXPECT_TRUE(WaitUntil([&] { return FanOutReplicates(pid, fan); }, std::chrono::seconds(30),
                          std::chrono::milliseconds(200)))
        << "not every one of " << fan << " fan-out stage(s) replicates the publisher " << pid
        << "\n" << server_->Log();

    publisher->Signal(SIGINT);
    EXPECT_EQ(publisher->WaitExit(std::chrono::seconds(10)), 0) << publisher->Log();
    EXPECT_NE(publisher->Log().find("unpublished"), std::string::npos) << publisher->Log();
    EXPECT_TRUE(WaitUntil([&] { return !Live(); }, std::chrono::seconds(35),
                          std::chrono::milliseconds(200)))
        << server_->Log();
    auto late = Join("after-stop");
    EXPECT_EQ(late.status, 404u) << late.body;
    EXPECT_EQ(Field(late, "error", "code"), "NOT_FOUND") << late.body;
}

TEST_F(Sandbox, SimulatedViewersAreCountedWhileRunningAndLeaveOnSigint) {
    auto publisher = Simulate({"publisher"}, "publisher");
    ASSERT_TRUE(WaitUntil([&] { return Live(); }, std::chrono::seconds(30),
                          std::chrono::milliseconds(200)))
        << publisher->Log();

    auto viewers = Simulate({"viewers", "--count", "7"}, "viewers");
    EXPECT_TRUE(WaitUntil([&] { return TotalViewers() == 7; }, std::chrono::seconds(30),
                          std::chrono::milliseconds(200)))
        << "totalViewers " << TotalViewers() << "\n" << viewers->Log();
    // The server may count the viewers before the simulator prints its line.
    EXPECT_TRUE(WaitUntil([&] { return viewers->Log().find("7/7 joined") != std::string::npos; },
                          std::chrono::seconds(10), std::chrono::milliseconds(50)))
        << viewers->Log();

    viewers->Signal(SIGINT);
    EXPECT_EQ(viewers->WaitExit(std::chrono::seconds(15)), 0) << viewers->Log();
    EXPECT_TRUE(WaitUntil([&] { return TotalViewers() == 0; }, std::chrono::seconds(10),
                          std::chrono::milliseconds(100)))
        << "every simulated viewer leaves on SIGINT: totalViewers " << TotalViewers() << "\n"
        << viewers->Log();

    publisher->Signal(SIGTERM);
    EXPECT_EQ(publisher->WaitExit(std::chrono::seconds(10)), 0) << publisher->Log();
}

TEST_F(Sandbox, SimulateRefusesBadArgumentsAndAWrongKey) {
    auto no_url = std::make_unique<Child>(
        std::vector<std::string>{binary_, "simulate", "publisher", "--api-key", "x"}, BaseEnv(),
        dir_.path() + "/bad.log");
    EXPECT_EQ(no_url->WaitExit(std::chrono::seconds(10)), 2) << no_url->Log();
    auto unknown = std::make_unique<Child>(
        std::vector<std::string>{binary_, "simulate", "broadcaster"}, BaseEnv(),
        dir_.path() + "/unknown.log");
    EXPECT_EQ(unknown->WaitExit(std::chrono::seconds(10)), 2) << unknown->Log();

    std::vector<std::string> args{binary_, "simulate", "publisher", "--url",
                                  "http://127.0.0.1:" + std::to_string(port_), "--api-key",
                                  "wrong-key"};
    Child wrong(args, BaseEnv(), dir_.path() + "/wrong.log");
    EXPECT_EQ(wrong.WaitExit(std::chrono::seconds(10)), 1) << wrong.Log();
    EXPECT_NE(wrong.Log().find("401"), std::string::npos) << wrong.Log();
    EXPECT_FALSE(Live());
}

}  // namespace
}  // namespace ivs::test
