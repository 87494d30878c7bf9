// The emulator's request handling over its wire protocol (restJson1 and the control API):
// routing by method and path, percent-decoding, query and JSON bodies of every operation. Each
// request is signed first, so the input reaches past the SigV4 check. Input: method, path,
// query, then the body, separated by newlines.

#include "adapters/aws/sigv4.hpp"
#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_wire.hpp"
#include "core/clock.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ivs;
    static emulator::Emulator emu;
    static const emulator::EmulatorServerOptions options;
    auto text = fuzz::AsText(data, size);
    auto lines = fuzz::Split(text, '\n');
    if (lines.size() < 3) return 0;
    std::size_t body_at = lines[0].size() + lines[1].size() + lines[2].size() + 3;
    aws::HttpRequestToSign sign;
    sign.method = std::string(lines[0]);
    sign.path = std::string(lines[1]);
    sign.query = std::string(lines[2]);
    sign.body = body_at <= text.size() ? std::string(text.substr(body_at)) : std::string();
    sign.headers = {{"host", "127.0.0.1:4566"}, {"content-type", "application/json"}};
    aws::SigV4Params params;
    params.region = "us-east-1";
    params.service = "ivs";
    params.time = SystemClock::Instance().Now();
    aws::SignRequest(sign, aws::Credentials{options.access_key_id, options.secret_access_key, {}, {}},
                     params);
    emulator::WireRequest req{std::move(sign.method), std::move(sign.path), std::move(sign.query),
                              std::move(sign.headers), std::move(sign.body)};
    (void)emulator::HandleWire(emu, options, req);
    return 0;
}
