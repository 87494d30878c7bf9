// Three ivs-server processes on one Redis and one standalone IVS emulator (`ivs-server emulator`,
// set up with the AWS CLI like a real account): seats are shared and capped across instances,
// counts agree everywhere, one leader, and the survivors carry on when the leader is killed.

#include <gtest/gtest.h>

#include <csignal>

#include "../unit/redis_test_util.hpp"
#include "core/random.hpp"
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

TEST(ScaleOutCluster, ThreeInstancesShareSeatsCountsAndOneLeader) {
    IVS_REQUIRE_HARNESS("IVS_TEST_BINARY");
    IVS_REQUIRE_HARNESS("IVS_TEST_REDIS_PORT");
    if (RunCommand("aws --version") != 0) GTEST_SKIP() << "the AWS CLI is not installed";
    const std::string binary = *HarnessEnv("IVS_TEST_BINARY");
    TempDir work;
    const std::string aws_env =
        "env AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 "
        "AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true ";

    // The one IVS every instance talks to.
    const int emulator_port = FreePort();
    Process emulator(work.path(), aws_env + "DATA_DIR=" + work.path() + "/emulator " + binary +
                                      " emulator --port " + std::to_string(emulator_port));
    const std::string endpoint = "http://127.0.0.1:" + std::to_string(emulator_port);
    ASSERT_TRUE(WaitUntil([&] {
        return TryHttpCall(static_cast<unsigned short>(emulator_port), "GET", "/").status != 0;
    }));

    std::string master, key_arn;
    ASSERT_EQ(RunCommand(aws_env + "aws ivs-realtime create-stage --name master --endpoint-url " +
                             endpoint + " --query stage.arn --output text",
                         &master),
              0)
        << master;
    master = Trim(master);
    ASSERT_EQ(RunCommand("openssl ecparam -name secp384r1 -genkey -noout -out " + work.path() +
                         "/key.pem && openssl ec -in " + work.path() + "/key.pem -pubout -out " +
                         work.path() + "/pub.pem"),
              0);
    ASSERT_EQ(RunCommand(aws_env + "aws ivs-realtime import-public-key --name viewers "
                                   "--public-key-material file://" +
                             work.path() + "/pub.pem --endpoint-url " + endpoint +
                             " --query publicKey.arn --output text",
                         &key_arn),
              0)
        << key_arn;
    key_arn = Trim(key_arn);

    // One PostgreSQL for all instances: a database of its own on the harness server.
    IVS_REQUIRE_HARNESS("IVS_TEST_PG_PORT");
    const std::string pg_host = HarnessEnv("IVS_TEST_PG_HOST").value_or("127.0.0.1");
    const std::string pg_port = *HarnessEnv("IVS_TEST_PG_PORT");
    std::string pg_db = "cluster_" + RandomAlnum(8);
    for (auto& c : pg_db) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string created;
    ASSERT_EQ(RunCommand("createdb -h " + pg_host + " -p " + pg_port + " -U postgres " + pg_db,
                         &created),
              0)
        << created;

    const std::string shared =
        aws_env + "DB_HOST=" + pg_host + " DB_PORT=" + pg_port + " DB_USER=postgres DB_NAME=" +
        pg_db + " DB_POOL_MAX=4 " + "API_HOST=127.0.0.1 LOG_LEVEL=info API_SECRET_KEY=" + kKey +
        " REDIS_HOST=" + HarnessEnv("IVS_TEST_REDIS_HOST").value_or("127.0.0.1") +
        " REDIS_PORT=" + *HarnessEnv("IVS_TEST_REDIS_PORT") +
        " REDIS_DB=7 REDIS_KEY_PREFIX=cluster:" + RandomAlnum(8) +
        ": SESSION_SECRET=cluster-session-secret-0123456789abcdef"
        " IVS_ENDPOINT=" + endpoint + " MASTER_STAGE_ARN=" + master +
        " TOKEN_SIGNING=self IVS_TOKEN_PRIVATE_KEY_FILE=" + work.path() +
        "/key.pem IVS_PUBLIC_KEY_ARN=" + key_arn +
        " REQUIRE_LIVE_PUBLISHER=false LEADER_LEASE_SECONDS=3 AUTOSCALE_INTERVAL_SECONDS=1"
        " SPARE_STAGES=2 RATE_LIMIT_MAX_REQUESTS=1000000 ";
    std::vector<Instance> instances(3);
    for (auto& in : instances) {
        in.port = static_cast<unsigned short>(FreePort());
        in.dir = std::make_unique<TempDir>();
        in.process = std::make_unique<Process>(
            in.dir->path(), "env " + shared + "API_PORT=" + std::to_string(in.port) +
                                " DATA_DIR=" + in.dir->path() + "/data " + binary);
    }
    for (auto& in : instances) {
        ASSERT_TRUE(WaitUntil([&] { return TryHttpCall(in.port, "GET", "/health").status == 200; },
                              std::chrono::seconds(20)));
    }

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

    auto leaders = [&](const std::vector<std::size_t>& alive) {
        std::vector<std::size_t> out;
        for (auto i : alive) {
            auto h = TryHttpCall(instances[i].port, "GET", "/api/health").Json();
            if (h.is_object() && h.at("data").at("instance").at("leader").as_bool()) {
                out.push_back(i);
            }
        }
        return out;
    };
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

}  // namespace
}  // namespace ivs::test
