#pragma once

#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_server.hpp"

namespace ivs::emulator {

// `ivs-server emulator --port N [--host H]`: runs the IVS emulator alone on the AWS wire
// protocol (see emulator_server.hpp) until SIGINT/SIGTERM, with the emulator's and the wire
// server's options (region, stage cap, the access key callers sign with).
// Host defaults to 127.0.0.1, port to 0 (any free port). Prints
// "ivs emulator listening on http://<host>:<port>" on stdout once ready. Returns the exit code.
struct EmulatorCommandOptions {
    EmulatorOptions emulator;
    EmulatorServerOptions server;
};
int RunEmulatorCommand(const EmulatorCommandOptions& options, int argc, char** argv);

}  // namespace ivs::emulator
