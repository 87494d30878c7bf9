// The SigV4 verifier of the emulator: the Authorization header, X-Amz-Date, the canonical
// request built from any method, path, query, headers and body. Input: method, path, query,
// body and "name: value" header lines separated by newlines (headers last).

#include <cstdlib>

#include "adapters/aws/sigv4.hpp"
#include "core/clock.hpp"
#include "core/time_format.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ivs;
    auto lines = fuzz::Split(fuzz::AsText(data, size), '\n');
    if (lines.size() < 4) return 0;
    aws::HttpRequestToSign req;
    req.method = std::string(lines[0]);
    req.path = std::string(lines[1]);
    req.query = std::string(lines[2]);
    req.body = std::string(lines[3]);
    for (std::size_t i = 4; i < lines.size(); ++i) {
        auto colon = lines[i].find(':');
        if (colon == std::string_view::npos) continue;
        auto value = lines[i].substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        req.headers.emplace_back(std::string(lines[i].substr(0, colon)), std::string(value));
    }
    static const SystemTime now = *ParseIso8601("2015-08-30T12:36:00Z");
    auto caller = aws::VerifyRequest(
        req,
        [](std::string_view id) -> std::optional<std::string> {
            if (id == "AKIDEXAMPLE") return std::string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
            return std::nullopt;
        },
        now);
    (void)caller;
    return 0;
}
