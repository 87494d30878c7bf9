#include "bench/audience/http_burst.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace ivs::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// One keep-alive connection, reopened when the server closes it.
class Connection {
public:
    Connection(const BurstOptions& o) : options_(o) {}

    std::optional<http::response<http::string_body>> Call(http::verb verb, const std::string& target,
                                                         const std::string& body) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            try {
                if (!stream_) Open();
                http::request<http::string_body> req{verb, target, 11};
                req.set(http::field::host, options_.host);
                req.set("x-api-key", options_.api_key);
                req.keep_alive(true);
                if (!body.empty()) {
                    req.set(http::field::content_type, "application/json");
                    req.body() = body;
                    req.prepare_payload();
                }
                stream_->expires_after(std::chrono::seconds(30));
                http::write(*stream_, req);
                http::response<http::string_body> res;
                http::read(*stream_, buffer_, res);
                if (!res.keep_alive()) stream_.reset();
                return res;
            } catch (const std::exception&) {
                stream_.reset();
            }
        }
        return std::nullopt;
    }

private:
    void Open() {
        stream_.emplace(ioc_);
        tcp::resolver resolver(ioc_);
        stream_->expires_after(std::chrono::seconds(5));
        stream_->connect(resolver.resolve(options_.host, std::to_string(options_.port)));
    }

    const BurstOptions& options_;
    asio::io_context ioc_;
    std::optional<beast::tcp_stream> stream_;
    beast::flat_buffer buffer_;
};

double Percentile(std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    auto idx = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
    return v[idx];
}

struct Phase {
    int ok = 0;
    int errors = 0;
    std::map<unsigned, int> statuses;
    double seconds = 0;
    std::vector<double> latencies_ms;
};

template <class MakeRequest>
Phase RunPhase(const BurstOptions& o, int count, MakeRequest make) {
    std::atomic<int> next{0};
    std::mutex mu;
    Phase phase;
    const auto started = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < o.concurrency; ++t) {
        threads.emplace_back([&] {
            Connection conn(o);
            std::vector<double> lat;
            std::map<unsigned, int> statuses;
            int ok = 0, errors = 0;
            for (int i = next++; i < count; i = next++) {
                auto [verb, target, body] = make(i);
                const auto t0 = Clock::now();
                auto res = conn.Call(verb, target, body);
                lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
                const unsigned status = res ? res->result_int() : 0;
                statuses[status]++;
                (status == 200 ? ok : errors)++;
            }
            std::lock_guard lock(mu);
            phase.ok += ok;
            phase.errors += errors;
            for (auto [s, n] : statuses) phase.statuses[s] += n;
            phase.latencies_ms.insert(phase.latencies_ms.end(), lat.begin(), lat.end());
        });
    }
    for (auto& th : threads) th.join();
    phase.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return phase;
}

json::object Summary(Phase& p, int count) {
    json::object statuses;
    for (auto [s, n] : p.statuses) statuses[std::to_string(s)] = n;
    return json::object{{"requests", count},
                        {"ok", p.ok},
                        {"errors", p.errors},
                        {"statuses", statuses},
                        {"seconds", p.seconds},
                        {"rps", p.seconds > 0 ? count / p.seconds : 0.0},
                        {"p50_ms", Percentile(p.latencies_ms, 0.50)},
                        {"p99_ms", Percentile(p.latencies_ms, 0.99)}};
}

}  // namespace

json::object RunJoinBurst(const BurstOptions& o) {
    using Req = std::tuple<http::verb, std::string, std::string>;
    Phase joins = RunPhase(o, o.joins, [](int i) {
        return Req{http::verb::post, "/api/token/viewer",
                   json::serialize(json::object{{"userId", std::string("bench-").append(std::to_string(i))}})};
    });
    Phase health = RunPhase(o, o.joins, [](int) { return Req{http::verb::get, "/health", ""}; });

    json::object out{{"joins", Summary(joins, o.joins)},
                     {"health_reference", Summary(health, o.joins)},
                     {"concurrency", o.concurrency}};
    Connection conn(o);
    auto stats = conn.Call(http::verb::get, "/api/stats", "");
    if (stats && stats->result_int() == 200) {
        auto data = json::parse(stats->body()).as_object().at("data").as_object();
        std::int64_t sum = 0, max_stage = 0;
        for (const auto& s : data.at("stages").as_array()) {
            auto n = s.as_object().at("viewerCount").to_number<std::int64_t>();
            sum += n;
            max_stage = std::max(max_stage, n);
        }
        out["total_viewers"] = data.at("totalViewers");
        out["sum_of_stage_counts"] = sum;
        out["stages"] = static_cast<std::int64_t>(data.at("stages").as_array().size());
        out["max_stage_viewers"] = max_stage;
    } else {
        out["stats_error"] = stats ? std::to_string(stats->result_int()) : "no answer";
    }
    return out;
}

}  // namespace ivs::bench
