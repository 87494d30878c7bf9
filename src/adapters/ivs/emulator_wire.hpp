#pragma once

// Internal to the emulator server: one HTTP exchange of the restJson1 protocol and the control
// API, independent of the transport.

#include <string>
#include <utility>
#include <vector>

#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_server.hpp"

namespace ivs::emulator {

struct WireRequest {
    std::string method;  // "POST"
    std::string path;    // raw, percent-encoded as received
    std::string query;   // raw, without '?'
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct WireResponse {
    unsigned status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

WireResponse HandleWire(Emulator& emulator, const EmulatorServerOptions& options,
                        const WireRequest& request);

}  // namespace ivs::emulator
