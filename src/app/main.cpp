#include <spdlog/spdlog.h>

#include <cstring>
#include <iostream>

#include "adapters/history/history_factory.hpp"
#include "adapters/ivs/emulator_command.hpp"
#include "app/adapter_options.hpp"
#include "app/app.hpp"
#include "app/probe.hpp"
#include "app/simulate.hpp"
#include "config/config.hpp"
#include "core/log.hpp"

namespace {

// `quiet_ok`: no mode line; `server_warnings`: log the server's configuration warnings (not
// for the standalone emulator, which serves none of what they are about).
int LoadOrExit(ivs::Config& out, bool quiet_ok, bool server_warnings = true) {
    auto loaded = ivs::LoadConfig(ivs::ReadEnvironment(".env"));
    if (!loaded.errors.empty()) {
        std::cerr << "ivs-server: invalid configuration:\n";
        for (const auto& e : loaded.errors) std::cerr << "  - " << e << "\n";
        std::cerr << "Run `ivs-server --help` for every variable and its default.\n";
        return 2;
    }
    ivs::log::Init(loaded.config.log_level,
                   loaded.config.log_json ? ivs::log::Format::json : ivs::log::Format::text);
    if (!quiet_ok) spdlog::info("{}", ivs::DescribeModes(loaded.config));
    if (server_warnings) {
        for (const auto& w : loaded.warnings) spdlog::warn("{}", w);
    }
    if (server_warnings && loaded.config.skip_auth) {
        spdlog::warn("SKIP_AUTH=true with NODE_ENV=development: API keys are NOT checked");
    }
    out = std::move(loaded.config);
    return 0;
}

int Serve() {
    ivs::Config config;
    if (int rc = LoadOrExit(config, false)) return rc;
    try {
        ivs::App app(std::move(config));
        app.Start();
        app.Run();
    } catch (const std::exception& e) {
        spdlog::critical("start-up failed: {}", e.what());
        std::cerr << "ivs-server: " << e.what() << "\n";
        return 1;
    }
    spdlog::info("stopped");
    return 0;
}

// Validates the configuration; with --probe also connects to each dependency it names.
int CheckConfig(bool probe) {
    ivs::Config config;
    if (int rc = LoadOrExit(config, true)) return rc;
    std::cout << ivs::DescribeModes(config, "would use") << "\nconfiguration is valid\n";
    if (!probe) return 0;
    int failed = 0;
    for (auto p : ivs::ProbeDependencies(config, std::chrono::seconds(3))) {
        for (char& c : p.detail) {
            if (c == '\n' || c == '\t') c = ' ';
        }
        std::cout << (p.ok ? "  ok    " : "  FAIL  ") << p.name << ": " << p.target << " - "
                  << p.detail << "\n";
        failed += p.ok ? 0 : 1;
    }
    std::cout << (failed ? std::to_string(failed) + " dependency(ies) unreachable\n"
                         : "every dependency answered\n");
    return failed ? 1 : 0;
}

// Applies the history store's schema migrations and exits (also done at every start).
int Migrate() {
    ivs::Config config;
    if (int rc = LoadOrExit(config, true)) return rc;
    try {
        std::cout << ivs::adapters::history::MigrateHistory(ivs::HistoryOptionsOf(config)) << "\n";
    } catch (const std::exception& e) {
        std::cerr << "ivs-server migrate: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        std::cout << ivs::ConfigHelpText();
        return 0;
    }
    if (cmd == "--version") {
        std::cout << "ivs-server " IVS_VERSION "\n";
        return 0;
    }
    if (cmd == "check-config") {
        const bool probe = argc > 2 && std::strcmp(argv[2], "--probe") == 0;
        if (argc > 2 && !probe) {
            std::cerr << "ivs-server check-config: unknown option \"" << argv[2] << "\"\n";
            return 2;
        }
        return CheckConfig(probe);
    }
    if (cmd == "emulator") {
        ivs::Config config;
        if (int rc = LoadOrExit(config, true, false)) return rc;
        return ivs::emulator::RunEmulatorCommand(ivs::EmulatorCommandOptionsOf(config), argc - 2,
                                                 argv + 2);
    }
    if (cmd == "simulate") return ivs::simulate::RunSimulateCommand(argc - 2, argv + 2);
    if (cmd == "migrate") return Migrate();
    if (cmd.empty() || cmd == "serve") return Serve();
    std::cerr << "ivs-server: unknown command \"" << cmd << "\" (see --help)\n";
    return 2;
}
