// The readers of fields in JSON the server receives or stored: the lenient field readers,
// the identifier validators and the date parser, over every member of any JSON object.

#include <boost/json/parse.hpp>

#include "core/ids.hpp"
#include "core/json_fields.hpp"
#include "core/time_format.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ivs;
    auto text = fuzz::AsText(data, size);
    // Every input is a date too.
    if (auto t = ParseIso8601(text)) (void)FormatIso8601Millis(*t);
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) return 0;
    const auto& o = v.as_object();
    for (const auto& [key, value] : o) {
        std::string s = json_fields::String(o, key);
        (void)json_fields::Int64(o, key);
        (void)json_fields::Bool(o, key);
        (void)json_fields::UnixMillis(o, key);
        (void)IsValidUserId(s);
        (void)IsStageArn(s);
        (void)IsParticipantId(s);
        if (auto t = ParseIso8601(s)) (void)FormatIso8601Seconds(*t);
        (void)value;
    }
    return 0;
}
