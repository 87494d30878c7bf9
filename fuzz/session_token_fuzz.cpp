// Viewer session tokens as clients present them (Authorization: Bearer, ?token=): malformed,
// truncated, re-encoded or forged input is refused without a crash.

#include <cstdlib>

#include "core/clock.hpp"
#include "domain/audience/session_token.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ivs;
    static const audience::SessionTokenCodec codec("fuzz-session-secret-0123456789",
                                                 SystemClock::Instance(), std::chrono::hours(1));
    auto text = fuzz::AsText(data, size);
    // The seeds hold only expired or badly signed tokens: anything that verifies is a forgery.
    if (codec.Verify(text)) std::abort();
    return 0;
}
