// Participant tokens (ES384 JWTs) as the emulator checks them when a participant joins: the
// JOSE header, payload and signature decoding, and the claim checks.

#include <cstdlib>

#include "adapters/tokens/es384_key.hpp"
#include "adapters/tokens/participant_jwt.hpp"
#include "core/clock.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ivs;
    static const tokens::Es384Key key = tokens::Es384Key::Generate();
    auto text = fuzz::AsText(data, size);
    (void)tokens::DecodeToken(text);
    auto verified = tokens::VerifyParticipantToken(
        text, [](std::string_view) -> std::optional<tokens::Es384Key> { return key; },
        SystemClock::Instance().Now(),
        "arn:aws:ivs:us-east-1:123456789012:stage/fuzzstage01");
    // The key is new in every run: no input can carry its signature.
    if (verified) std::abort();
    return 0;
}
