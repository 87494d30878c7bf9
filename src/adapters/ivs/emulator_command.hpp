#pragma once

#include "config/config.hpp"

namespace ivs::emulator {

// `ivs-server emulator --port N [--host H]`: runs the IVS emulator alone on the AWS wire
// protocol (see emulator_server.hpp) until SIGINT/SIGTERM. Uses IVS_EMULATOR_ACCESS_KEY_ID /
// IVS_EMULATOR_SECRET_ACCESS_KEY, IVS_EMULATOR_MAX_STAGES and AWS_REGION from `config`.
// Host defaults to 127.0.0.1, port to 0 (any free port). Prints
// "ivs emulator listening on http://<host>:<port>" on stdout once ready. Returns the exit code.
int RunEmulatorCommand(const Config& config, int argc, char** argv);

}  // namespace ivs::emulator
