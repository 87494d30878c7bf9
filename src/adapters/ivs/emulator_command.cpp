#include "adapters/ivs/emulator_command.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <csignal>
#include <cstring>
#include <iostream>

#include "adapters/aws/http_client.hpp"
#include "adapters/ivs/emulator_server.hpp"
#include "adapters/ivs/event_delivery.hpp"

namespace ivs::emulator {
namespace {

constexpr const char* kUsage =
    "usage: ivs-server emulator [--port N] [--host H] [--public-url URL]\n"
    "                           [--events-url URL [--events-api-key KEY]\n"
    "                            [--events-header NAME]]\n"
    "  --public-url URL      where clients reach this emulator (stage endpoints.whip and\n"
    "                        token whip_url are URL/whip); default http://HOST:PORT\n"
    "  --events-url URL      POST every EventBridge \"IVS Stage Update\" event there (JSON),\n"
    "                        like an EventBridge API destination: in order, retried with\n"
    "                        backoff on network errors and 5xx (at least once)\n"
    "  --events-api-key KEY  sent in the --events-header header (default x-api-key)\n";

struct Args {
    std::string host = "127.0.0.1";
    unsigned port = 0;
    std::string public_url, events_url, events_key, events_header = "x-api-key";
};

// 0: parsed; 1: --help printed; 2: error printed.
int Parse(int argc, char** argv, Args& a) {
    for (int i = 0; i < argc; ++i) {
        std::string_view arg = argv[i];
        bool has_value = i + 1 < argc;
        if ((arg == "--port" || arg == "-p") && has_value) {
            std::string_view v = argv[++i];
            auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), a.port);
            if (ec != std::errc() || ptr != v.data() + v.size() || a.port > 65535) {
                std::cerr << "ivs-server emulator: invalid --port " << v << "\n";
                return 2;
            }
        } else if (arg == "--host" && has_value) {
            a.host = argv[++i];
        } else if (arg == "--public-url" && has_value) {
            a.public_url = argv[++i];
        } else if (arg == "--events-url" && has_value) {
            a.events_url = argv[++i];
        } else if (arg == "--events-api-key" && has_value) {
            a.events_key = argv[++i];
        } else if (arg == "--events-header" && has_value) {
            a.events_header = argv[++i];
        } else if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 1;
        } else {
            std::cerr << "ivs-server emulator: unknown argument " << arg << "\n" << kUsage;
            return 2;
        }
    }
    if (!a.events_url.empty() && !aws::ParseHttpUrl(a.events_url)) {
        std::cerr << "ivs-server emulator: --events-url must be an http(s) URL\n";
        return 2;
    }
    while (!a.public_url.empty() && a.public_url.back() == '/') a.public_url.pop_back();
    return 0;
}

std::shared_ptr<EventDelivery> EventPoster(boost::asio::io_context& ioc,
                                           std::shared_ptr<aws::HttpClient> http,
                                           const Args& a) {
    auto deliver = [http, a](const boost::json::object& event)
        -> boost::asio::awaitable<EventDelivery::Outcome> {
        aws::HttpRequest req;
        req.method = "POST";
        req.url = a.events_url;
        req.headers = {{"Content-Type", "application/json"}};
        if (!a.events_key.empty()) req.headers.emplace_back(a.events_header, a.events_key);
        req.body = boost::json::serialize(event);
        req.timeout = std::chrono::seconds(5);
        auto res = co_await http->Send(std::move(req));
        if (!res || res->status >= 500 || res->status == 429) {
            std::cerr << "ivs emulator: event delivery to " << a.events_url << " failed ("
                      << (res ? std::to_string(res->status) : res.error().message)
                      << "), retrying\n";
            co_return EventDelivery::Outcome::retry;
        }
        if (res->status >= 400) {
            std::cerr << "ivs emulator: " << a.events_url << " refused an event with "
                      << res->status << "\n";
            co_return EventDelivery::Outcome::rejected;
        }
        co_return EventDelivery::Outcome::delivered;
    };
    return std::make_shared<EventDelivery>(ioc.get_executor(), deliver,
                                           EventDelivery::Options{});
}

}  // namespace

int RunEmulatorCommand(const EmulatorCommandOptions& options, int argc, char** argv) {
    Args args;
    if (int rc = Parse(argc, argv, args)) return rc == 1 ? 0 : rc;
    auto emu = std::make_shared<Emulator>(options.emulator);
    boost::asio::io_context ioc(1);
    EmulatorServer server(ioc, emu, options.server);
    try {
        server.Start(args.host, static_cast<unsigned short>(args.port));
    } catch (const std::exception& e) {
        std::cerr << "ivs-server emulator: " << e.what() << "\n";
        return 1;
    }
    std::string base = "http://" + args.host + ":" + std::to_string(server.Port());
    emu->SetEndpointBase(args.public_url.empty() ? base : args.public_url);
    std::shared_ptr<aws::HttpClient> http;
    std::shared_ptr<EventDelivery> poster;
    if (!args.events_url.empty()) {
        http = std::make_shared<aws::HttpClient>(ioc.get_executor());
        poster = EventPoster(ioc, http, args);
        emu->SetEventSink([poster](boost::json::object e) { poster->Push(std::move(e)); });
        poster->Start();
    }
    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) {
        server.Stop();
        if (!poster) return ioc.stop();
        boost::asio::co_spawn(ioc, poster->Stop(), [&ioc](std::exception_ptr) { ioc.stop(); });
    });
    std::cout << "ivs emulator listening on " << base
              << (args.events_url.empty() ? "" : ", events to " + args.events_url) << std::endl;
    ioc.run();
    emu->SetEventSink(nullptr);
    return 0;
}

}  // namespace ivs::emulator
