#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/aws/credentials.hpp"
#include "adapters/aws/http_client.hpp"
#include "adapters/cloudwatch/put_metric_data.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/periodic_task.hpp"
#include "metrics/registry.hpp"
#include "ports/audience_stats.hpp"

namespace ivs::cloudwatch {

// PutMetricData over the Query protocol, signed with SigV4 (signing name "monitoring"), split
// into calls within the API limits, each retried on throttling, 5xx and network errors with
// exponential backoff and jitter. Thread-safe.
class CloudWatchClient {
public:
    struct Options {
        std::string endpoint;  // e.g. "https://monitoring.us-east-1.amazonaws.com"
        std::string region;
        int max_attempts = 3;
        std::chrono::milliseconds timeout{5000};
        std::chrono::milliseconds base_backoff{200};
    };

    CloudWatchClient(std::shared_ptr<aws::HttpClient> http,
                     std::shared_ptr<aws::CredentialsProvider> credentials, const Clock& clock,
                     Options options);

    // Errors: unavailable/timeout (network, 5xx or throttling after the retries), unauthorized
    // (credentials refused), invalid_argument (request refused).
    boost::asio::awaitable<Status> PutMetricData(const std::string& metric_namespace,
                                                 const std::vector<MetricDatum>& datums);

private:
    boost::asio::awaitable<Status> SendOnce(const std::string& body, bool& retryable);

    std::shared_ptr<aws::HttpClient> http_;
    std::shared_ptr<aws::CredentialsProvider> credentials_;
    const Clock& clock_;
    Options options_;
};

// Every interval, sends the seed's metric set to CloudWatch: TotalViewers, ActiveStages,
// ConcurrentViewers (per stage, dimension StageArn), APILatency (statistic set, ms),
// TokenGenerationTime (statistic set, ms), StageCreationTime (values/counts from the IVS call
// histogram, ms) and ErrorCount (dimension ErrorType = ServerError|ClientError), all with the
// dimensions Environment=<NODE_ENV> and Service=api-server. Runs on its own strand; requests
// only touch a small accumulator (RecordRequest), so nothing waits for CloudWatch.
class CloudWatchReporter : public std::enable_shared_from_this<CloudWatchReporter> {
public:
    struct Options {
        std::string metric_namespace = "IVS/Production";
        std::chrono::milliseconds interval{60000};
        std::string environment = "production";
        // How long Stop lets the last round (the one in flight, or the final batch) run before
        // cancelling it: a hung endpoint must not hold up shutdown.
        std::chrono::milliseconds stop_budget{2000};
    };

    CloudWatchReporter(boost::asio::io_context& ioc, std::shared_ptr<CloudWatchClient> client,
                       std::shared_ptr<ports::AudienceStats> stats, metrics::Registry& registry,
                       const Clock& clock, Options options);

    // Called for every finished HTTP request (cheap, thread-safe).
    void RecordRequest(std::string_view route, unsigned status, double seconds);

    void Start();
    // Stops the loop after sending the interval in progress; a round still unfinished after
    // `stop_budget` is cancelled (its batch is dropped).
    boost::asio::awaitable<void> Stop();

    // The datums of one interval (and resets the interval accumulators). Exposed for tests.
    boost::asio::awaitable<std::vector<MetricDatum>> Collect();

private:
    struct Accumulator {
        double count = 0, sum = 0, min = 0, max = 0;
        void Add(double v);
    };
    // Sends one interval; returns the wait until the next.
    boost::asio::awaitable<PeriodicTask::Wait> Flush();

    std::shared_ptr<CloudWatchClient> client_;
    std::shared_ptr<ports::AudienceStats> stats_;
    metrics::HistogramFamily& ivs_latency_;
    metrics::Counter& sent_ok_;
    metrics::Counter& sent_failed_;
    const Clock& clock_;
    Options options_;
    std::mutex mu_;
    Accumulator api_latency_ms_;
    Accumulator token_ms_;
    double server_errors_ = 0;
    double client_errors_ = 0;
    std::vector<std::uint64_t> last_stage_creation_buckets_;
    const std::shared_ptr<PeriodicTask> flushes_;
};

}  // namespace ivs::cloudwatch
