// CloudWatch PutMetricData against moto_server (a local CloudWatch), read back with the AWS CLI
// and boto3; plus the batching limits of the encoder.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <csignal>

#include "adapters/cloudwatch/put_metric_data.hpp"
#include "core/random.hpp"
#include "live_support.hpp"

namespace ivs::test {
namespace {

namespace json = boost::json;

TEST(CloudWatchEncoding, SplitsAtOneThousandDatumsAndEncodesEveryKind) {
    std::vector<cloudwatch::MetricDatum> datums;
    for (int i = 0; i < 2500; ++i) {
        cloudwatch::MetricDatum d;
        d.name = "ConcurrentViewers";
        d.unit = "Count";
        d.dimensions = {{"StageArn", "arn:aws:ivs:us-east-1:1:stage/" + std::to_string(i)}};
        d.value = i;
        datums.push_back(d);
    }
    cloudwatch::MetricDatum stat;
    stat.name = "APILatency";
    stat.statistics = cloudwatch::StatisticSet{3, 30, 5, 15};
    datums.push_back(stat);
    auto bodies = cloudwatch::EncodePutMetricData("IVS/Test", datums);
    ASSERT_EQ(bodies.size(), 3u);
    for (const auto& b : bodies) {
        EXPECT_EQ(b.rfind("Action=PutMetricData&Version=2010-08-01&Namespace=IVS%2FTest", 0), 0u);
        EXPECT_LE(b.size(), cloudwatch::kMaxBodyBytes);
        EXPECT_EQ(b.find("MetricData.member.1001."), std::string::npos);
    }
    EXPECT_NE(bodies[0].find("MetricData.member.1000.Value=999"), std::string::npos);
    EXPECT_NE(bodies[2].find("StatisticValues.Maximum=15"), std::string::npos);
    EXPECT_NE(bodies[0].find("Dimensions.member.1.Value=arn%3Aaws%3Aivs%3Aus-east-1%3A1%3Astage%2F0"),
              std::string::npos);
}

TEST(CloudWatchEncoding, StaysUnderOneMegabytePerCall) {
    std::vector<cloudwatch::MetricDatum> datums;
    for (int i = 0; i < 900; ++i) {
        cloudwatch::MetricDatum d;
        d.name = "ConcurrentViewers";
        d.dimensions = {{"StageArn", std::string(1000, 'a')}, {"Other", std::string(1000, 'b')}};
        d.value = 1;
        datums.push_back(d);
    }
    auto bodies = cloudwatch::EncodePutMetricData("IVS/Test", datums);
    ASSERT_GE(bodies.size(), 2u);
    for (const auto& b : bodies) EXPECT_LE(b.size(), cloudwatch::kMaxBodyBytes);
}

class MotoServer {
public:
    MotoServer() {
        std::string out;
        RunCommand("python3 -c 'import socket;s=socket.socket();s.bind((\"127.0.0.1\",0));"
                   "print(s.getsockname()[1])'",
                   &out);
        port_ = std::stoi(out);
        std::string pid;
        // The interpreter itself, not a wrapper script, so the pid is the server's.
        std::string python;
        RunCommand("python3 -c 'import sys;print(sys.executable)'", &python);
        while (!python.empty() && (python.back() == '\n' || python.back() == ' ')) python.pop_back();
        RunCommand(python + " -m moto.server -H 127.0.0.1 -p " + std::to_string(port_) + " >" + dir_.path() +
                       "/moto.log 2>&1 & echo $!",
                   &pid);
        pid_ = std::stoi(pid);
        ready_ = WaitUntil(
            [&] { return TryHttpCall(static_cast<unsigned short>(port_), "GET", "/").status != 0; },
            std::chrono::seconds(30), std::chrono::milliseconds(100));
    }
    ~MotoServer() {
        if (pid_ > 0) ::kill(pid_, SIGTERM);
    }
    bool ready() const { return ready_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    TempDir dir_;
    int port_ = 0;
    int pid_ = 0;
    bool ready_ = false;
};

const char* kAwsEnv =
    "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 ";

TEST(CloudWatchMoto, TotalViewersAndActiveStagesReachCloudWatchWithLiveValues) {
    if (RunCommand("python3 -c 'import moto.server, boto3' 2>/dev/null && command -v aws >/dev/null") != 0) {
        if (ServicesRequired()) FAIL() << "moto_server / aws CLI not installed";
        GTEST_SKIP() << "moto_server / aws CLI not installed";
    }
    MotoServer moto;
    ASSERT_TRUE(moto.ready()) << "moto_server did not start";
    ::setenv("AWS_ACCESS_KEY_ID", "testing", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "testing", 1);
    std::string ns = "IVS/Test" + RandomAlnum(6);
    LiveRig rig(Environment{{"CLOUDWATCH_ENABLED", "true"},
                            {"CLOUDWATCH_ENDPOINT", moto.url()},
                            {"CLOUDWATCH_INTERVAL_SECONDS", "1"},
                            {"CLOUDWATCH_NAMESPACE", ns},
                            {"NODE_ENV", "production"}});
    rig.audience().Set(25, {{"arn:aws:ivs:us-east-1:123456789012:stage/a", "a", "active", true, 20},
                            {"arn:aws:ivs:us-east-1:123456789012:stage/b", "b", "active", false, 5}});
    HttpCall(rig.port(), "GET", "/dashboard");  // one request for APILatency

    std::string listed;
    bool both = WaitUntil(
        [&] {
            listed.clear();
            RunCommand(std::string(kAwsEnv) + "aws cloudwatch list-metrics --namespace '" + ns +
                           "' --endpoint-url " + moto.url() + " --output json 2>&1",
                       &listed);
            return listed.find("\"TotalViewers\"") != std::string::npos &&
                   listed.find("\"ActiveStages\"") != std::string::npos &&
                   listed.find("\"APILatency\"") != std::string::npos;
        },
        std::chrono::seconds(30), std::chrono::milliseconds(500));
    ASSERT_TRUE(both) << listed;
    EXPECT_NE(listed.find("\"Environment\""), std::string::npos) << listed;
    EXPECT_NE(listed.find("api-server"), std::string::npos) << listed;
    EXPECT_NE(listed.find("ConcurrentViewers"), std::string::npos) << listed;

    // The latest values equal the live counts; they follow a change too.
    auto latest = [&](const std::string& metric) {
        std::string script =
            "import boto3,datetime,json\n"
            "c=boto3.client('cloudwatch',endpoint_url='" + moto.url() + "',region_name='us-east-1')\n"
            "now=datetime.datetime.now(datetime.timezone.utc)\n"
            "r=c.get_metric_statistics(Namespace='" + ns + "',MetricName='" + metric + "',"
            "Dimensions=[{'Name':'Environment','Value':'production'},{'Name':'Service','Value':'api-server'}],"
            "StartTime=now-datetime.timedelta(minutes=5),EndTime=now+datetime.timedelta(minutes=1),"
            "Period=1,Statistics=['Maximum'])\n"
            "p=sorted(r['Datapoints'],key=lambda d:d['Timestamp'])\n"
            "print(p[-1]['Maximum'] if p else -1)\n";
        std::string out;
        RunCommand(std::string(kAwsEnv) + "python3 -c \"" + script + "\" 2>&1", &out);
        try {
            return std::stod(out);
        } catch (...) {
            ADD_FAILURE() << out;
            return -2.0;
        }
    };
    EXPECT_TRUE(WaitUntil([&] { return latest("TotalViewers") == 25; }, std::chrono::seconds(20),
                          std::chrono::milliseconds(500)));
    EXPECT_EQ(latest("ActiveStages"), 2);
    rig.audience().Set(3, {{"arn:aws:ivs:us-east-1:123456789012:stage/a", "a", "active", true, 3}});
    EXPECT_TRUE(WaitUntil([&] { return latest("TotalViewers") == 3 && latest("ActiveStages") == 1; },
                          std::chrono::seconds(20), std::chrono::milliseconds(500)));
}

TEST(CloudWatchMoto, TheIntervalInProgressIsSentAtShutdown) {
    if (RunCommand("python3 -c 'import moto.server, boto3' 2>/dev/null && command -v aws >/dev/null") != 0) {
        if (ServicesRequired()) FAIL() << "moto_server / aws CLI not installed";
        GTEST_SKIP() << "moto_server / aws CLI not installed";
    }
    MotoServer moto;
    ASSERT_TRUE(moto.ready()) << "moto_server did not start";
    ::setenv("AWS_ACCESS_KEY_ID", "testing", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "testing", 1);
    std::string ns = "IVS/Stop" + RandomAlnum(6);
    std::string listed;
    {
        // An hour-long interval: nothing is sent before the stop.
        LiveRig rig(Environment{{"CLOUDWATCH_ENABLED", "true"},
                                {"CLOUDWATCH_ENDPOINT", moto.url()},
                                {"CLOUDWATCH_INTERVAL_SECONDS", "3600"},
                                {"CLOUDWATCH_NAMESPACE", ns}});
        rig.audience().Set(7, {{"arn:aws:ivs:us-east-1:123456789012:stage/a", "a", "active", true, 7}});
        RunCommand(std::string(kAwsEnv) + "aws cloudwatch list-metrics --namespace '" + ns +
                       "' --endpoint-url " + moto.url() + " --output json 2>&1",
                   &listed);
        EXPECT_EQ(listed.find("\"TotalViewers\""), std::string::npos) << listed;
        rig.RunStopSteps();
    }
    RunCommand(std::string(kAwsEnv) + "aws cloudwatch list-metrics --namespace '" + ns +
                   "' --endpoint-url " + moto.url() + " --output json 2>&1",
               &listed);
    EXPECT_NE(listed.find("\"TotalViewers\""), std::string::npos) << listed;
}

}  // namespace
}  // namespace ivs::test
