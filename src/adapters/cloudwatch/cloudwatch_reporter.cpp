#include "adapters/cloudwatch/cloudwatch_reporter.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "adapters/aws/sigv4.hpp"
#include "core/random.hpp"

namespace ivs::cloudwatch {
namespace asio = boost::asio;

CloudWatchClient::CloudWatchClient(std::shared_ptr<aws::HttpClient> http,
                                   std::shared_ptr<aws::CredentialsProvider> credentials,
                                   const Clock& clock, Options options)
    : http_(std::move(http)),
      credentials_(std::move(credentials)),
      clock_(clock),
      options_(std::move(options)) {}

asio::awaitable<Status> CloudWatchClient::SendOnce(const std::string& body, bool& retryable) {
    retryable = false;
    auto url = aws::ParseHttpUrl(options_.endpoint);
    if (!url) co_return url.error();
    auto creds = co_await credentials_->Get();
    if (!creds) {
        retryable = true;
        co_return creds.error();
    }
    aws::HttpRequestToSign to_sign;
    to_sign.method = "POST";
    to_sign.path = url->path.empty() ? "/" : url->path;
    to_sign.headers = {{"host", url->host_header},
                       {"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
    to_sign.body = body;
    aws::SigV4Params params;
    params.region = options_.region;
    params.service = "monitoring";
    params.time = clock_.Now();
    aws::SignRequest(to_sign, *creds, params);

    aws::HttpRequest req;
    req.method = "POST";
    req.url = options_.endpoint;
    for (auto& h : to_sign.headers) {
        if (h.first != "host") req.headers.push_back(h);
    }
    req.body = body;
    req.timeout = options_.timeout;
    auto res = co_await http_->Send(std::move(req));
    if (!res) {
        retryable = true;
        co_return res.error();
    }
    if (res->status >= 200 && res->status < 300) co_return Ok();
    bool throttled = res->body.find("Throttl") != std::string::npos || res->status == 429;
    retryable = throttled || res->status >= 500;
    Errc code = retryable ? Errc::unavailable
                : (res->status == 403 || res->status == 401) ? Errc::unauthorized
                                                             : Errc::invalid_argument;
    co_return Error(code, "CloudWatch PutMetricData answered HTTP " +
                              std::to_string(res->status) + ": " + res->body.substr(0, 300));
}

asio::awaitable<Status> CloudWatchClient::PutMetricData(const std::string& metric_namespace,
                                                        const std::vector<MetricDatum>& datums) {
    Status last = Ok();
    for (const auto& body : EncodePutMetricData(metric_namespace, datums)) {
        for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
            bool retryable = false;
            last = co_await SendOnce(body, retryable);
            if (last || !retryable || attempt == options_.max_attempts) break;
            auto base = options_.base_backoff * (1 << (attempt - 1));
            // No thread_local engine here: a coroutine resumed on another thread would reach
            // that thread's copy through the address cached before the suspension, which may
            // never have been constructed (an all-zero Mersenne twister makes the bounded
            // draw loop forever).
            auto jitter = std::chrono::milliseconds(
                static_cast<long>(RandomU64() % static_cast<std::uint64_t>(base.count() + 1)));
            asio::steady_timer t(co_await asio::this_coro::executor);
            t.expires_after(base + jitter);
            boost::system::error_code ec;
            co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            // A wait cut short means the call is being cancelled (shutdown): retrying at once
            // would spin, so the round ends with the last error.
            if (ec) co_return last;
        }
        if (!last) co_return last;
    }
    co_return last;
}

void CloudWatchReporter::Accumulator::Add(double v) {
    if (count == 0) {
        min = max = v;
    } else {
        min = std::min(min, v);
        max = std::max(max, v);
    }
    ++count;
    sum += v;
}

CloudWatchReporter::CloudWatchReporter(asio::io_context& ioc,
                                       std::shared_ptr<CloudWatchClient> client,
                                       std::shared_ptr<ports::AudienceStats> stats,
                                       metrics::Registry& registry, const Clock& clock,
                                       Options options)
    : client_(std::move(client)),
      stats_(std::move(stats)),
      ivs_latency_(registry.Histograms("ivs_call_duration_seconds",
                                       "IVS API call latency in seconds", {"operation"})),
      sent_ok_(registry.Counters("ivs_cloudwatch_put_total", "CloudWatch PutMetricData rounds",
                                 {"outcome"})
                   .WithLabels({"success"})),
      sent_failed_(registry.Counters("ivs_cloudwatch_put_total", "CloudWatch PutMetricData rounds",
                                     {"outcome"})
                       .WithLabels({"failure"})),
      clock_(clock),
      options_(std::move(options)),
      // A Stop during the wait sends the interval in progress as the last batch; a round still
      // unfinished after the stop budget (a hung endpoint) is cancelled and its batch dropped.
      flushes_(std::make_shared<PeriodicTask>(
          asio::make_strand(asio::any_io_executor(ioc.get_executor())),
          PeriodicTask::Options{.name = "cloudwatch reporter",
                                .first_wait = options_.interval,
                                .step_on_stop = true,
                                .stop_wait = options_.stop_budget,
                                .cancel_after_stop_wait = true},
          [this] { return Flush(); })) {}

void CloudWatchReporter::RecordRequest(std::string_view route, unsigned status, double seconds) {
    double ms = seconds * 1000.0;
    std::lock_guard lock(mu_);
    api_latency_ms_.Add(ms);
    if (route.rfind("/api/token/", 0) == 0 && status < 400) token_ms_.Add(ms);
    if (status >= 500) {
        ++server_errors_;
    } else if (status >= 400) {
        ++client_errors_;
    }
}

asio::awaitable<std::vector<MetricDatum>> CloudWatchReporter::Collect() {
    std::vector<MetricDatum> out;
    SystemTime now = clock_.Now();
    std::vector<std::pair<std::string, std::string>> base{{"Environment", options_.environment},
                                                          {"Service", "api-server"}};
    auto datum = [&](std::string name, std::string unit) {
        MetricDatum d;
        d.name = std::move(name);
        d.unit = std::move(unit);
        d.timestamp = now;
        d.dimensions = base;
        return d;
    };
    if (stats_) {
        auto snap = co_await stats_->Snapshot();
        if (snap) {
            auto total = datum("TotalViewers", "Count");
            total.value = snap->total_viewers;
            out.push_back(std::move(total));
            auto stages = datum("ActiveStages", "Count");
            stages.value = static_cast<double>(snap->stages.size());
            out.push_back(std::move(stages));
            for (const auto& s : snap->stages) {
                auto per = datum("ConcurrentViewers", "Count");
                per.dimensions.emplace_back("StageArn", s.stage_arn);
                per.value = s.viewers;
                out.push_back(std::move(per));
            }
        } else {
            spdlog::debug("cloudwatch: audience snapshot failed: {}", snap.error().message);
        }
    }
    Accumulator api, token;
    double server_errors = 0, client_errors = 0;
    {
        std::lock_guard lock(mu_);
        std::swap(api, api_latency_ms_);
        std::swap(token, token_ms_);
        std::swap(server_errors, server_errors_);
        std::swap(client_errors, client_errors_);
    }
    auto stat = [&](std::string name, const Accumulator& a) {
        if (a.count == 0) return;
        auto d = datum(std::move(name), "Milliseconds");
        d.statistics = StatisticSet{a.count, a.sum, a.min, a.max};
        out.push_back(std::move(d));
    };
    stat("APILatency", api);
    stat("TokenGenerationTime", token);
    for (auto [type, n] : {std::pair{"ServerError", server_errors}, {"ClientError", client_errors}}) {
        auto d = datum("ErrorCount", "Count");
        d.dimensions.emplace_back("ErrorType", type);
        d.value = n;
        out.push_back(std::move(d));
    }
    // Stage creation times: the new observations of the IVS CreateStage histogram.
    auto& h = ivs_latency_.WithLabels({"CreateStage"});
    auto counts = h.BucketCounts();
    if (last_stage_creation_buckets_.size() != counts.size()) {
        last_stage_creation_buckets_.assign(counts.size(), 0);
    }
    auto d = datum("StageCreationTime", "Milliseconds");
    for (std::size_t i = 0; i < counts.size(); ++i) {
        auto delta = counts[i] - last_stage_creation_buckets_[i];
        if (delta == 0) continue;
        double upper = i < h.Bounds().size() ? h.Bounds()[i]
                                             : (h.Bounds().empty() ? 1.0 : h.Bounds().back() * 2);
        d.values_with_counts.emplace_back(upper * 1000.0, static_cast<double>(delta));
    }
    last_stage_creation_buckets_ = counts;
    if (!d.values_with_counts.empty()) out.push_back(std::move(d));
    co_return out;
}

asio::awaitable<PeriodicTask::Wait> CloudWatchReporter::Flush() {
    auto datums = co_await Collect();
    if (datums.empty()) co_return options_.interval;
    auto status = co_await client_->PutMetricData(options_.metric_namespace, datums);
    if (status) {
        sent_ok_.Inc();
    } else {
        sent_failed_.Inc();
        spdlog::warn("cloudwatch: PutMetricData failed: {}", status.error().message);
    }
    co_return options_.interval;
}

void CloudWatchReporter::Start() { flushes_->Start(shared_from_this()); }

asio::awaitable<void> CloudWatchReporter::Stop() { co_await flushes_->Stop(); }

}  // namespace ivs::cloudwatch
