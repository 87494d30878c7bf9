#include "app/simulate.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <charconv>
#include <csignal>
#include <cstring>
#include <iostream>

#include "app/simulate_client.hpp"

namespace ivs::simulate {
namespace asio = boost::asio;

namespace {

constexpr const char* kUsage =
    "usage: ivs-server simulate publisher --url URL --api-key KEY [--user-id ID]\n"
    "       ivs-server simulate viewers --count N --url URL --api-key KEY [--concurrency C]\n"
    "\n"
    "Drives a running ivs-server (URL, e.g. http://localhost:3000) like real clients do, until\n"
    "SIGINT/SIGTERM:\n"
    "  publisher  takes a publisher token (POST /api/token/publisher), publishes to the\n"
    "             token's WHIP endpoint (the master stage), keeps the session alive and\n"
    "             publishes again if it is lost; on exit unpublishes (WHIP DELETE).\n"
    "  viewers    takes N viewer tokens (userId sim-viewer-<i>, C joins at a time, default 16),\n"
    "             joins each viewer's stage at the emulator's subscribe endpoint, heartbeats\n"
    "             every heartbeatIntervalSeconds with the session token; on exit each leaves.\n"
    "--api-key defaults to $API_SECRET_KEY. Exit 0 after a clean stop, 1 when the server\n"
    "refuses for good (bad key, invalid user id), 2 on bad arguments.\n";

struct Args {
    std::string mode;
    SimulateOptions options;
};

bool ParseInt(const char* s, int min, int max, int& out) {
    const char* end = s + std::strlen(s);
    auto [p, ec] = std::from_chars(s, end, out);
    return ec == std::errc() && p == end && out >= min && out <= max;
}

// 0: parsed; 1: help printed; 2: error printed.
int Parse(int argc, char** argv, Args& args) {
    if (argc < 1 || std::strcmp(argv[0], "--help") == 0 || std::strcmp(argv[0], "-h") == 0) {
        std::cout << kUsage;
        return argc < 1 ? 2 : 1;
    }
    args.mode = argv[0];
    if (args.mode != "publisher" && args.mode != "viewers") {
        std::cerr << "ivs-server simulate: unknown simulation \"" << args.mode << "\"\n" << kUsage;
        return 2;
    }
    if (const char* key = std::getenv("API_SECRET_KEY")) args.options.api_key = key;
    for (int i = 1; i < argc; ++i) {
        std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::cout << kUsage;
            return 1;
        }
        if (i + 1 >= argc) {
            std::cerr << "ivs-server simulate: " << flag << " needs a value\n";
            return 2;
        }
        const char* value = argv[++i];
        bool ok = true;
        if (flag == "--url") {
            args.options.url = value;
        } else if (flag == "--api-key") {
            args.options.api_key = value;
        } else if (flag == "--user-id" && args.mode == "publisher") {
            args.options.user_id = value;
        } else if (flag == "--count" && args.mode == "viewers") {
            ok = ParseInt(value, 1, 100000, args.options.count);
        } else if (flag == "--concurrency" && args.mode == "viewers") {
            ok = ParseInt(value, 1, 1024, args.options.concurrency);
        } else {
            std::cerr << "ivs-server simulate " << args.mode << ": unknown option " << flag << "\n";
            return 2;
        }
        if (!ok) {
            std::cerr << "ivs-server simulate: invalid value for " << flag << ": " << value << "\n";
            return 2;
        }
    }
    while (!args.options.url.empty() && args.options.url.back() == '/') args.options.url.pop_back();
    if (args.options.url.rfind("http://", 0) != 0 && args.options.url.rfind("https://", 0) != 0) {
        std::cerr << "ivs-server simulate: --url http(s)://HOST[:PORT] is required\n";
        return 2;
    }
    if (args.options.api_key.empty()) {
        std::cerr << "ivs-server simulate: --api-key (or API_SECRET_KEY) is required\n";
        return 2;
    }
    return 0;
}

}  // namespace

int RunSimulateCommand(int argc, char** argv) {
    Args args;
    if (int rc = Parse(argc, argv, args)) return rc == 1 ? 0 : rc;
    asio::io_context ioc(1);
    SimClient client(ioc.get_executor(), args.options);
    StopSignal stop(ioc.get_executor());
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        Say(args.mode, std::string("got ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ", leaving");
        stop.Stop();
    });
    int rc = 0;
    auto run = args.mode == "publisher" ? RunPublisher(client, stop) : RunViewers(client, stop);
    asio::co_spawn(ioc, std::move(run), [&](std::exception_ptr e, int result) {
        rc = e ? 1 : result;
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                std::cerr << "ivs-server simulate: " << ex.what() << "\n";
            }
        }
        signals.cancel();
        ioc.stop();
    });
    ioc.run();
    return rc;
}

}  // namespace ivs::simulate
