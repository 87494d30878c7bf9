// WebSocket fan-out benchmark: N clients subscribed to "stats" on a running ivs-server; for each
// viewer join (POST /api/token/viewer) measures the time until the first and the last client
// received the stats_update that shows it. Prints one JSON object.
//   ws_fanout PORT API_KEY CLIENTS JOINS [SERVER_PID]
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using asio::use_awaitable;

namespace {

struct State {
    unsigned short port = 0;
    std::string key;
    int clients = 0;
    int connected = 0;
    int subscribed = 0;
    int failed = 0;
    int closed = 0;
    int target = -1;  // totalViewers we wait for
    int reached = 0;
    Clock::time_point first_arrival, last_arrival;
};

double RssMb(int pid) {
    if (pid <= 0) return 0;
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    }
    return 0;
}

int TotalViewers(std::string_view text) {
    if (text.find("\"stats_update\"") == std::string_view::npos) return -1;
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) return -1;
    auto* data = v.as_object().if_contains("data");
    if (!data || !data->is_object()) return -1;
    auto* total = data->as_object().if_contains("totalViewers");
    return total && total->is_int64() ? static_cast<int>(total->as_int64()) : -1;
}

asio::awaitable<void> Client(State& s, int count_for_me) {
    auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < count_for_me; ++i) {
        auto ws = std::make_shared<websocket::stream<beast::tcp_stream>>(ex);
        try {
            beast::get_lowest_layer(*ws).expires_after(std::chrono::seconds(30));
            co_await beast::get_lowest_layer(*ws).async_connect(
                tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.port), use_awaitable);
            ws->set_option(websocket::stream_base::decorator(
                [key = s.key](websocket::request_type& r) { r.set("x-api-key", key); }));
            co_await ws->async_handshake("127.0.0.1", "/ws", use_awaitable);
            beast::get_lowest_layer(*ws).expires_never();
            ++s.connected;
            co_await ws->async_write(asio::buffer(std::string(
                                         R"({"type":"subscribe","channel":"stats"})")),
                                     use_awaitable);
        } catch (const std::exception&) {
            ++s.failed;
            continue;
        }
        // Each connection reads on its own from here on.
        asio::co_spawn(
            ex,
            [ws, &s]() -> asio::awaitable<void> {
                beast::flat_buffer buf;
                int last_seen = -1;
                try {
                    for (;;) {
                        co_await ws->async_read(buf, use_awaitable);
                        std::string_view text(static_cast<const char*>(buf.data().data()),
                                              buf.size());
                        if (text.find("\"subscribed\"") != std::string_view::npos) ++s.subscribed;
                        int total = TotalViewers(text);
                        if (total >= 0 && total == s.target && last_seen != total) {
                            auto now = Clock::now();
                            if (s.reached == 0) s.first_arrival = now;
                            s.last_arrival = now;
                            ++s.reached;
                        }
                        if (total >= 0) last_seen = total;
                        buf.consume(buf.size());
                    }
                } catch (const std::exception&) {
                    ++s.closed;
                }
            },
            asio::detached);
    }
}

asio::awaitable<json::object> PostJoin(State& s, const std::string& user) {
    auto ex = co_await asio::this_coro::executor;
    beast::tcp_stream stream(ex);
    stream.expires_after(std::chrono::seconds(30));
    co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.port),
                                  use_awaitable);
    beast::http::request<beast::http::string_body> req{beast::http::verb::post,
                                                       "/api/token/viewer", 11};
    req.set(beast::http::field::host, "127.0.0.1");
    req.set(beast::http::field::content_type, "application/json");
    req.set("x-api-key", s.key);
    req.body() = json::serialize(json::object{{"userId", user}});
    req.prepare_payload();
    co_await beast::http::async_write(stream, req, use_awaitable);
    beast::flat_buffer buf;
    beast::http::response<beast::http::string_body> res;
    co_await beast::http::async_read(stream, buf, res, use_awaitable);
    boost::system::error_code ec;
    auto v = json::parse(res.body(), ec);
    if (ec || !v.is_object()) co_return json::object{};
    co_return v.as_object();
}

asio::awaitable<int> TotalViewersNow(State& s) {
    auto ex = co_await asio::this_coro::executor;
    beast::tcp_stream stream(ex);
    stream.expires_after(std::chrono::seconds(30));
    co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.port),
                                  use_awaitable);
    beast::http::request<beast::http::empty_body> req{beast::http::verb::get, "/api/stats", 11};
    req.set(beast::http::field::host, "127.0.0.1");
    req.set("x-api-key", s.key);
    co_await beast::http::async_write(stream, req, use_awaitable);
    beast::flat_buffer buf;
    beast::http::response<beast::http::string_body> res;
    co_await beast::http::async_read(stream, buf, res, use_awaitable);
    boost::system::error_code ec;
    auto v = json::parse(res.body(), ec);
    if (ec || !v.is_object()) co_return -1;
    co_return static_cast<int>(v.at("data").at("totalViewers").as_int64());
}

asio::awaitable<void> Sleep(std::chrono::milliseconds d) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    t.expires_after(d);
    co_await t.async_wait(use_awaitable);
}

double Percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    auto idx = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(idx, v.size() - 1)];
}

asio::awaitable<void> Run(State& s, int joins, int server_pid, json::object& out) {
    auto ex = co_await asio::this_coro::executor;
    double rss_before = RssMb(server_pid);
    auto t_connect = Clock::now();
    const int lanes = std::min(s.clients, 200);
    for (int l = 0; l < lanes; ++l) {
        int mine = s.clients / lanes + (l < s.clients % lanes ? 1 : 0);
        asio::co_spawn(ex, Client(s, mine), asio::detached);
    }
    auto deadline = Clock::now() + std::chrono::seconds(120);
    while (s.subscribed + s.failed < s.clients && Clock::now() < deadline) {
        co_await Sleep(std::chrono::milliseconds(20));
    }
    double connect_seconds = std::chrono::duration<double>(Clock::now() - t_connect).count();
    co_await Sleep(std::chrono::milliseconds(1500));  // initial pushes settle
    double rss_with_clients = RssMb(server_pid);

    std::vector<double> to_first, to_last;
    int complete = 0;
    auto stamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
    for (int j = 0; j < joins; ++j) {
        // Every client should see the total one higher than now (the server may not be empty).
        s.target = co_await TotalViewersNow(s) + 1;
        s.reached = 0;
        auto t0 = Clock::now();
        co_await PostJoin(s, "fanout-" + std::to_string(stamp) + "-" + std::to_string(j));
        auto wait_until = Clock::now() + std::chrono::seconds(20);
        while (s.reached < s.subscribed && Clock::now() < wait_until) {
            co_await Sleep(std::chrono::milliseconds(1));
        }
        if (s.reached >= s.subscribed && s.subscribed > 0) {
            ++complete;
            to_first.push_back(std::chrono::duration<double, std::milli>(s.first_arrival - t0).count());
            to_last.push_back(std::chrono::duration<double, std::milli>(s.last_arrival - t0).count());
        }
        co_await Sleep(std::chrono::milliseconds(1200));  // next join in a new coalescing window
    }
    out["name"] = "ws_fanout";
    out["description"] =
        "WebSocket fan-out: N clients subscribed to stats; time from a viewer join "
        "(POST /api/token/viewer sent) to the first and the last client receiving the "
        "stats_update with the new total. Includes the server's coalescing window (<= 1 s).";
    out["clients"] = s.clients;
    out["connected"] = s.connected;
    out["subscribed"] = s.subscribed;
    out["failed_connections"] = s.failed;
    out["connect_all_seconds"] = connect_seconds;
    out["joins"] = joins;
    out["joins_seen_by_all_clients"] = complete;
    out["join_to_first_client_ms"] = json::object{{"p50", Percentile(to_first, 0.5)},
                                                  {"p99", Percentile(to_first, 0.99)}};
    out["join_to_last_client_ms"] = json::object{{"p50", Percentile(to_last, 0.5)},
                                                 {"p99", Percentile(to_last, 0.99)},
                                                 {"max", Percentile(to_last, 1.0)}};
    out["join_to_last_client_ms_samples"] = json::value_from(to_last);
    out["server_rss_mb_before_clients"] = rss_before;
    out["server_rss_mb_with_clients"] = rss_with_clients;
    if (s.connected > 0 && rss_with_clients > 0) {
        out["server_rss_kb_per_client"] = (rss_with_clients - rss_before) * 1024.0 / s.connected;
    }
    out["disconnected_during_run"] = s.closed;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::cerr << "usage: ws_fanout PORT API_KEY CLIENTS JOINS [SERVER_PID]\n";
        return 2;
    }
    State s;
    s.port = static_cast<unsigned short>(std::stoi(argv[1]));
    s.key = argv[2];
    s.clients = std::stoi(argv[3]);
    int joins = std::stoi(argv[4]);
    int pid = argc > 5 ? std::stoi(argv[5]) : 0;
    asio::io_context ioc(1);
    json::object out;
    bool ok = true;
    asio::co_spawn(ioc, Run(s, joins, pid, out), [&](std::exception_ptr e) {
        if (e) {
            ok = false;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                std::cerr << "ws_fanout: " << ex.what() << "\n";
            }
        }
        ioc.stop();
    });
    ioc.run();
    if (!ok) return 1;
    std::cout << json::serialize(out) << "\n";
    return 0;
}
