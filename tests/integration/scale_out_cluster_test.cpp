// Three ivs-server processes on one Redis and one standalone IVS emulator (`ivs-server emulator`,
// set up with the AWS CLI like a real account): seats are shared and capped across instances,
// counts agree everywhere, one leader, and the survivors carry on when the leader is killed.

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "../unit/redis_test_util.hpp"
#include "core/random.hpp"
#include "live_publisher.hpp"
#include "test_support.hpp"

namespace ivs::test {
namespace {

constexpr const char* kKey = "scale-out-cluster-key-0123456789";

// A child process started through the shell, killed (SIGKILL unless stopped before) at the end.
class Process {
public:
    Process(const std::string& dir, const std::string& command) {
        std::string out;
        RunCommand("cd " + dir + " && " + command + " < /dev/null > " + dir +
                       "/process.log 2>&1 & echo $!",
                   &out);
        pid_ = std::stoi(out);
    }
    ~Process() { Kill(SIGKILL); }
    void Kill(int sig) {
        if (pid_ <= 0) return;
        ::kill(pid_, sig);
        WaitUntil([&] { return ::kill(pid_, 0) != 0; });
        pid_ = 0;
    }

private:
    int pid_ = 0;
};

struct Instance {
    unsigned short port = 0;
    std::unique_ptr<TempDir> dir;
    std::unique_ptr<Process> process;

    HttpResponse Post(const std::string& target, const boost::json::object& body) const {
        return TryHttpCall(port, "POST", target, boost::json::serialize(body),
                    {{"x-api-key", kKey}, {"content-type", "application/json"}});
    }
    HttpResponse Get(const std::string& target) const {
        return TryHttpCall(port, "GET", target, {}, {{"x-api-key", kKey}});
    }
};

std::string Trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

const char* kAwsEnv =
    "env AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 "
    "AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true ";

// One standalone emulator set up with the AWS CLI like a real account (a master stage, a public
// key), one PostgreSQL database, one Redis key prefix, and `n` ivs-server instances on them.
// The emulator posts its EventBridge events to the first instance, as an API destination would,
// and a simulated broadcaster publishes in the master through the emulator's WHIP endpoint.
struct Cluster {
    TempDir work;
    std::unique_ptr<Process> emulator;
    std::string endpoint, master, key_arn;
    std::vector<Instance> instances;
    std::unique_ptr<LivePublisher> publisher;

    std::string Aws(const std::string& args) const {
        std::string out;
        RunCommand(std::string(kAwsEnv) + "aws ivs-realtime " + args + " --endpoint-url " +
                       endpoint + " --output text",
                   &out);
        return Trim(out);
    }
};

void StartCluster(Cluster& c, int n, const std::string& settings) {
    const std::string binary = *HarnessEnv("IVS_TEST_BINARY");
    c.instances.resize(static_cast<std::size_t>(n));
    for (auto& in : c.instances) in.port = static_cast<unsigned short>(FreePort());
    const int emulator_port = FreePort();
    c.emulator = std::make_unique<Process>(
        c.work.path(), std::string(kAwsEnv) + "DATA_DIR=" + c.work.path() + "/emulator " + binary +
                           " emulator --port " + std::to_string(emulator_port) +
                           " --events-url http://127.0.0.1:" +
                           std::to_string(c.instances[0].port) + "/api/events/ivs" +
                           " --events-api-key " + kKey);
    c.endpoint = "http://127.0.0.1:" + std::to_string(emulator_port);
    ASSERT_TRUE(WaitUntil([&] {
        return TryHttpCall(static_cast<unsigned short>(emulator_port), "GET", "/").status != 0;
    }));
    c.master = c.Aws("create-stage --name master --query stage.arn");
    ASSERT_EQ(c.master.rfind("arn:", 0), 0u) << c.master;
    ASSERT_EQ(RunCommand("openssl ecparam -name secp384r1 -genkey -noout -out " + c.work.path() +
                         "/key.pem && openssl ec -in " + c.work.path() + "/key.pem -pubout -out " +
                         c.work.path() + "/pub.pem"),
              0);
    c.key_arn = c.Aws("import-public-key --name viewers --public-key-material file://" +
                      c.work.path() + "/pub.pem --query publicKey.arn");
    ASSERT_EQ(c.key_arn.rfind("arn:", 0), 0u) << c.key_arn;

    // One PostgreSQL for all instances: a database of its own on the harness server.
    const std::string pg_host = HarnessEnv("IVS_TEST_PG_HOST").value_or("127.0.0.1");
    const std::string pg_port = *HarnessEnv("IVS_TEST_PG_PORT");
    std::string pg_db = "cluster_" + RandomAlnum(8);
    for (auto& ch : pg_db) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string created;
    ASSERT_EQ(RunCommand("createdb -h " + pg_host + " -p " + pg_port + " -U postgres " + pg_db,
                         &created),
              0)
        << created;

    const std::string shared =
        std::string(kAwsEnv) + "DB_HOST=" + pg_host + " DB_PORT=" + pg_port +
        " DB_USER=postgres DB_NAME=" + pg_db + " DB_POOL_MAX=4 " +
        "API_HOST=127.0.0.1 LOG_LEVEL=info API_SECRET_KEY=" + kKey +
        " REDIS_HOST=" + HarnessEnv("IVS_TEST_REDIS_HOST").value_or("127.0.0.1") +
        " REDIS_PORT=" + *HarnessEnv("IVS_TEST_REDIS_PORT") +
        " REDIS_DB=7 REDIS_KEY_PREFIX=cluster:" + RandomAlnum(8) +
        ": SESSION_SECRET=cluster-session-secret-0123456789abcdef"
        " IVS_ENDPOINT=" + c.endpoint + " MASTER_STAGE_ARN=" + c.master +
        " TOKEN_SIGNING=self IVS_TOKEN_PRIVATE_KEY_FILE=" + c.work.path() +
        "/key.pem IVS_PUBLIC_KEY_ARN=" + c.key_arn +
        " RATE_LIMIT_MAX_REQUESTS=1000000 " + settings + " ";
    for (auto& in : c.instances) {
        in.dir = std::make_unique<TempDir>();
        in.process = std::make_unique<Process>(
            in.dir->path(), "env " + shared + "API_PORT=" + std::to_string(in.port) +
                                " DATA_DIR=" + in.dir->path() + "/data " + binary);
    }
    for (auto& in : c.instances) {
        ASSERT_TRUE(WaitUntil([&] { return TryHttpCall(in.port, "GET", "/health").status == 200; },
                              std::chrono::seconds(20)));
    }
    c.publisher = std::make_unique<LivePublisher>(c.instances[0].port, kKey);
    ASSERT_TRUE(c.publisher->live()) << c.publisher->error();
}

// The instances (of `alive`) that say they hold the leader lease.
std::vector<std::size_t> Leaders(const Cluster& c, const std::vector<std::size_t>& alive) {
    std::vector<std::size_t> out;
    for (auto i : alive) {
        auto h = TryHttpCall(c.instances[i].port, "GET", "/api/health").Json();
        if (h.is_object() && h.at("data").at("instance").at("leader").as_bool()) out.push_back(i);
    }
    return out;
}

TEST(ScaleOutCluster, ThreeInstancesShareSeatsCountsAndOneLeader) {
    IVS_REQUIRE_HARNESS("IVS_TEST_BINARY");
    IVS_REQUIRE_HARNESS("IVS_TEST_REDIS_PORT");
    IVS_REQUIRE_HARNESS("IVS_TEST_PG_PORT");
    if (RunCommand("aws --version") != 0) GTEST_SKIP() << "the AWS CLI is not installed";
    Cluster cluster;
    // Mediaserver fan-out: 800 viewers need more stages than replication can feed.
    StartCluster(cluster, 3,
                 "LEADER_LEASE_SECONDS=3 AUTOSCALE_INTERVAL_SECONDS=1 SPARE_STAGES=2 "
                 "FANOUT_MODE=mediaserver");
    if (HasFatalFailure()) return;
    auto& instances = cluster.instances;

    // Joins round-robin; a join may wait for the leader to create the next stage.
    std::vector<std::pair<std::string, std::string>> viewers;
    auto join = [&](const Instance& in, const std::string& user) {
        HttpResponse r;
        bool ok = WaitUntil(
            [&] {
                r = in.Post("/api/token/viewer", {{"userId", user}});
                return r.status == 200;
            },
            std::chrono::seconds(60), std::chrono::milliseconds(100));
        if (ok) viewers.emplace_back(user, std::string(r.Json().at("data").at("stageArn").as_string()));
        return ok;
    };
    for (int i = 0; i < 600; ++i) {
        ASSERT_TRUE(join(instances[i % 3], "cluster-user-" + std::to_string(i))) << i;
    }

    auto stats = [&](const Instance& in) { return in.Get("/api/stats").Json().at("data"); };
    for (const auto& in : instances) {
        auto data = stats(in);
        EXPECT_EQ(data.at("totalViewers").to_number<int>(), 600);
        for (const auto& s : data.at("stages").as_array()) {
            EXPECT_LE(s.at("viewerCount").to_number<int>(), 50) << s;
        }
    }
    // A heartbeat on another instance than the join.
    for (int i = 0; i < 30; ++i) {
        const auto& [user, arn] = viewers[static_cast<std::size_t>(i)];
        auto r = instances[(i + 1) % 3].Post("/api/viewer/heartbeat",
                                             {{"userId", user}, {"stageArn", arn}});
        EXPECT_EQ(r.status, 200u) << r.body;
    }

    auto leaders = [&](const std::vector<std::size_t>& alive) { return Leaders(cluster, alive); };
    std::vector<std::size_t> leader;
    ASSERT_TRUE(WaitUntil([&] { return (leader = leaders({0, 1, 2})).size() == 1; }));
    const int stages_before = stats(instances[(leader[0] + 1) % 3]).at("activeStages").to_number<int>();

    instances[leader[0]].process->Kill(SIGKILL);
    std::vector<std::size_t> survivors;
    for (std::size_t i = 0; i < 3; ++i) {
        if (i != leader[0]) survivors.push_back(i);
    }
    for (int i = 600; i < 800; ++i) {
        ASSERT_TRUE(join(instances[survivors[static_cast<std::size_t>(i) % 2]],
                         "cluster-user-" + std::to_string(i)))
            << i;
    }
    EXPECT_TRUE(WaitUntil([&] { return leaders(survivors).size() == 1; }));
    // The new leader adds the stages 800 viewers need (the survivors may have seated the 200
    // in the spare stages first, so the growth can follow the joins).
    boost::json::value after;
    EXPECT_TRUE(WaitUntil(
        [&] {
            after = stats(instances[survivors[0]]);
            return after.at("activeStages").to_number<int>() > stages_before;
        },
        std::chrono::seconds(30)))
        << "active stages stayed at " << stages_before;
    EXPECT_EQ(after.at("totalViewers").to_number<int>(), 800);
    for (const auto& s : after.at("stages").as_array()) {
        EXPECT_LE(s.at("viewerCount").to_number<int>(), 50) << s;
    }
}

// `n` joins, `workers` at a time, round-robin over `alive`, each sent once (no retries).
// Returns the answers by status (and error code).
std::map<std::string, int> Burst(const Cluster& c, const std::vector<std::size_t>& alive,
                                 const std::string& prefix, int n, int workers) {
    std::atomic<int> next{0};
    std::mutex mu;
    std::map<std::string, int> answers;
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) {
        threads.emplace_back([&] {
            for (int i = next++; i < n; i = next++) {
                const auto& in = c.instances[alive[static_cast<std::size_t>(i) % alive.size()]];
                auto r = in.Post("/api/token/viewer", {{"userId", prefix + std::to_string(i)}});
                std::string key = std::to_string(r.status);
                if (r.status != 200) {
                    auto v = r.Json();
                    if (v.is_object() && v.as_object().if_contains("error")) {
                        key += " " + boost::json::serialize(v.at("error").at("code"));
                    }
                }
                std::lock_guard lock(mu);
                ++answers[key];
            }
        });
    }
    for (auto& t : threads) t.join();
    return answers;
}

std::string Show(const std::map<std::string, int>& answers) {
    std::ostringstream os;
    for (const auto& [k, v] : answers) os << k << " x" << v << "; ";
    return os.str();
}

std::set<std::string> Words(const std::string& text) {
    std::istringstream is(text);
    std::set<std::string> out;
    for (std::string w; is >> w;) {
        if (w != "None") out.insert(w);
    }
    return out;
}

TEST(ScaleOutCluster, BurstsAreSeatedWithoutStageFullThroughALeaderKill) {
    IVS_REQUIRE_HARNESS("IVS_TEST_BINARY");
    IVS_REQUIRE_HARNESS("IVS_TEST_REDIS_PORT");
    IVS_REQUIRE_HARNESS("IVS_TEST_PG_PORT");
    if (RunCommand("aws --version") != 0) GTEST_SKIP() << "the AWS CLI is not installed";
    Cluster cluster;
    // The product's seating defaults (capacity 50, threshold 45, SEAT_WAIT_SECONDS 10, lease 10 s);
    // mediaserver fan-out so that the stages are not capped at the replication limit.
    StartCluster(cluster, 3, "FANOUT_MODE=mediaserver MAX_STAGES=40");
    if (HasFatalFailure()) return;

    // Every stage fills up while joins keep coming: each is answered 200 at the first try.
    auto first = Burst(cluster, {0, 1, 2}, "burst-a-", 400, 16);
    EXPECT_EQ(first["200"], 400) << Show(first);

    std::vector<std::size_t> leader;
    ASSERT_TRUE(WaitUntil([&] { return (leader = Leaders(cluster, {0, 1, 2})).size() == 1; }));
    cluster.instances[leader[0]].process->Kill(SIGKILL);
    std::vector<std::size_t> survivors;
    for (std::size_t i = 0; i < 3; ++i) {
        if (i != leader[0]) survivors.push_back(i);
    }
    // The lease is vacant for up to LEADER_LEASE_SECONDS: joins are still seated, the survivors
    // create the stages they need themselves.
    auto second = Burst(cluster, survivors, "burst-b-", 400, 16);
    EXPECT_EQ(second["200"], 400) << Show(second);

    auto stats = [&](std::size_t i) {
        return cluster.instances[i].Get("/api/stats").Json().at("data");
    };
    for (auto i : survivors) {
        auto data = stats(i);
        EXPECT_EQ(data.at("totalViewers").to_number<int>(), 800);
        for (const auto& st : data.at("stages").as_array()) {
            EXPECT_LE(st.at("viewerCount").to_number<int>(), 50) << st;
        }
    }
    // Registry and IVS agree exactly: no stage in IVS the registry lacks (a creation the killed
    // leader had not registered yet is adopted), none in the registry that IVS lacks.
    auto registry = [&] {
        std::set<std::string> arns;
        const auto data = stats(survivors[0]);  // kept alive for the loop below
        for (const auto& st : data.at("stages").as_array()) {
            arns.insert(std::string(st.at("stageArn").as_string()));
        }
        return arns;
    };
    std::set<std::string> in_ivs, in_registry;
    EXPECT_TRUE(WaitUntil(
        [&] {
            in_ivs = Words(cluster.Aws(
                "list-stages --max-results 100 --query \"stages[?tags.ManagedBy=='ivs-server'].arn\""));
            in_ivs.insert(cluster.master);
            in_registry = registry();
            return in_ivs == in_registry;
        },
        std::chrono::seconds(60), std::chrono::milliseconds(500)))
        << in_ivs.size() << " stages in IVS, " << in_registry.size() << " in the registry";
    EXPECT_LE(in_registry.size(), 40u);
}

}  // namespace
}  // namespace ivs::test
