#include "adapters/ivs/emulator_command.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <charconv>
#include <csignal>
#include <cstring>
#include <iostream>

#include "adapters/ivs/emulator_server.hpp"

namespace ivs::emulator {

int RunEmulatorCommand(const Config& config, int argc, char** argv) {
    std::string host = "127.0.0.1";
    unsigned port = 0;
    for (int i = 0; i < argc; ++i) {
        std::string_view arg = argv[i];
        if ((arg == "--port" || arg == "-p") && i + 1 < argc) {
            std::string_view v = argv[++i];
            auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), port);
            if (ec != std::errc() || ptr != v.data() + v.size() || port > 65535) {
                std::cerr << "ivs-server emulator: invalid --port " << v << "\n";
                return 2;
            }
        } else if (arg == "--host" && i + 1 < argc) {
            host = argv[++i];
        } else if (arg == "--help" || arg == "-h") {
            std::cout << "usage: ivs-server emulator [--port N] [--host H]\n";
            return 0;
        } else {
            std::cerr << "ivs-server emulator: unknown argument " << arg << "\n";
            return 2;
        }
    }
    EmulatorOptions options;
    options.region = config.aws_region;
    options.max_stages = config.ivs_emulator_max_stages;
    auto emu = std::make_shared<Emulator>(options);
    EmulatorServerOptions server_options;
    server_options.access_key_id = config.ivs_emulator_access_key_id;
    server_options.secret_access_key = config.ivs_emulator_secret_access_key;

    boost::asio::io_context ioc(1);
    EmulatorServer server(ioc, emu, server_options);
    try {
        server.Start(host, static_cast<unsigned short>(port));
    } catch (const std::exception& e) {
        std::cerr << "ivs-server emulator: " << e.what() << "\n";
        return 1;
    }
    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) { ioc.stop(); });
    std::cout << "ivs emulator listening on http://" << host << ":" << server.Port() << std::endl;
    ioc.run();
    return 0;
}

}  // namespace ivs::emulator
