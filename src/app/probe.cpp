#include "app/probe.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>
#include <filesystem>
#include <optional>

#include "adapters/history/history_factory.hpp"
#include "adapters/history/postgres/pg_conn.hpp"
#include "adapters/redis/redis_client.hpp"
#include "app/adapter_options.hpp"

namespace ivs {
namespace asio = boost::asio;
namespace redis = adapters::redis;
using Steady = std::chrono::steady_clock;

namespace {

std::string Elapsed(Steady::time_point since) {
    return fmt::format("{} ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                    Steady::now() - since)
                                    .count());
}

struct RedisPing {
    std::shared_ptr<redis::RedisClient> client;
    Steady::time_point deadline;
    std::optional<std::string> answer;
    std::string error = "no answer";
};

// Commands fail at once while the connection is still being made: retry until the deadline.
asio::awaitable<void> Ping(RedisPing& p) {
    asio::steady_timer pause(co_await asio::this_coro::executor);
    while (Steady::now() < p.deadline) {
        std::vector<std::string> cmd{"PING"};
        auto r = co_await p.client->Command(std::move(cmd));
        if (r) {
            p.answer = r->Text();
            co_return;
        }
        p.error = r.error().message;
        pause.expires_after(std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::use_awaitable);
    }
}

ProbeOutcome ProbeRedis(const Config& c, std::chrono::milliseconds deadline) {
    ProbeOutcome out{"hot store",
                     fmt::format("redis {}:{} db {}{}", c.redis_host, c.redis_port, c.redis_db,
                                 c.redis_tls ? " (TLS)" : "")};
    const auto started = Steady::now();
    asio::io_context ioc;
    redis::RedisOptions options = RedisOptionsOf(c);
    options.connections = 1;
    options.connect_timeout = deadline;
    RedisPing ping{redis::MakeRedisClient(ioc, options), started + deadline};
    asio::co_spawn(ioc, Ping(ping), [&ioc, client = ping.client](std::exception_ptr) {
        client->Stop();
        ioc.stop();
    });
    ioc.run_for(deadline + std::chrono::seconds(2));
    out.ok = ping.answer.has_value();
    out.detail = out.ok ? *ping.answer + " in " + Elapsed(started) : ping.error;
    return out;
}

ProbeOutcome ProbePostgres(const Config& c, std::chrono::milliseconds deadline) {
    ProbeOutcome out{"history store",
                     fmt::format("postgres {}:{}/{} as {}", c.db_host, c.db_port, c.db_name,
                                 c.db_user)};
    const auto started = Steady::now();
    auto options = PgOptionsOf(c);
    options.connect_timeout_seconds =
        std::max<int>(1, static_cast<int>((deadline.count() + 999) / 1000));
    try {
        adapters::history::PgConn conn(options);
        conn.Exec("SELECT 1");
        out.ok = true;
        out.detail = "SELECT 1 in " + Elapsed(started);
    } catch (const std::exception& e) {
        out.detail = e.what();
    }
    return out;
}

ProbeOutcome ProbeSqlite(const Config& c) {
    const auto file = std::filesystem::path(c.data_dir) / "ivs.db";
    ProbeOutcome out{"history store", "sqlite " + file.string()};
    std::error_code ec;
    std::filesystem::path dir(c.data_dir);
    while (!dir.empty() && !std::filesystem::exists(dir, ec)) dir = dir.parent_path();
    if (dir.empty()) dir = ".";
    auto perms = std::filesystem::status(dir, ec).permissions();
    out.ok = !ec && (perms & std::filesystem::perms::owner_write) != std::filesystem::perms::none;
    out.detail = out.ok ? "directory " + dir.string() + " is writable"
                        : "directory " + dir.string() + " is not writable";
    return out;
}

// The IVS endpoint answers on TCP: enough to know the address and the network path are right
// (credentials are checked by IVS at the first call).
ProbeOutcome ProbeIvs(const Config& c, std::chrono::milliseconds deadline) {
    const std::string endpoint = !c.ivs_endpoint.empty()
                                     ? c.ivs_endpoint
                                     : "https://ivsrealtime." + c.aws_region + ".amazonaws.com";
    ProbeOutcome out{"IVS", endpoint};
    auto url = boost::urls::parse_uri(endpoint);
    if (!url) {
        out.detail = "not a URL";
        return out;
    }
    std::string host(url->host());
    std::string port = url->has_port() ? std::string(url->port())
                                       : (url->scheme() == "http" ? "80" : "443");
    const auto started = Steady::now();
    asio::io_context ioc;
    asio::ip::tcp::resolver resolver(ioc);
    asio::ip::tcp::socket socket(ioc);
    asio::steady_timer timer(ioc, deadline);
    bool done = false;
    resolver.async_resolve(host, port, [&](boost::system::error_code ec, auto results) {
        if (ec) {
            out.detail = "cannot resolve " + host + ": " + ec.message();
            done = true;
            timer.cancel();
            return;
        }
        asio::async_connect(socket, results, [&](boost::system::error_code cec, const auto&) {
            out.ok = !cec;
            out.detail = cec ? cec.message() : "TCP connection in " + Elapsed(started);
            done = true;
            timer.cancel();
        });
    });
    timer.async_wait([&](boost::system::error_code ec) {
        if (ec || done) return;
        out.detail = "no connection within " + std::to_string(deadline.count()) + " ms";
        resolver.cancel();
        socket.close();
    });
    ioc.run();
    return out;
}

}  // namespace

std::vector<ProbeOutcome> ProbeDependencies(const Config& config,
                                            std::chrono::milliseconds deadline) {
    std::vector<ProbeOutcome> out;
    if (config.hot_store == HotStoreKind::redis) {
        out.push_back(ProbeRedis(config, deadline));
    } else {
        out.push_back({"hot store", "memory (in-process)", true, "nothing to connect to"});
    }
    if (config.cold_store == ColdStoreKind::postgres) {
        out.push_back(ProbePostgres(config, deadline));
    } else {
        out.push_back(ProbeSqlite(config));
    }
    if (config.ivs_backend == IvsBackendKind::aws) {
        out.push_back(ProbeIvs(config, deadline));
    } else {
        out.push_back({"IVS", "emulator (in-process)", true, "nothing to connect to"});
    }
    return out;
}

}  // namespace ivs
