#pragma once

// Internal to the emulator server: one HTTP exchange of the restJson1 protocol and the control
// API, independent of the transport.

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
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

// --- shared by the parts of the wire front ---
using Body = boost::json::object;
using OpResult = Result<boost::json::object>;

using Op = std::function<OpResult(Emulator&, const Body&)>;
using OpTable = std::map<std::string, Op, std::less<>>;
// GetParticipant, GetStageSession, ListParticipantEvents.
const OpTable& SessionOperations();
// ImportPublicKey, GetPublicKey, ListPublicKeys, DeletePublicKey.
const OpTable& PublicKeyOperations();

#define IVS_TRY(var, expr)                \
    auto var##_r = (expr);                \
    if (!var##_r) return var##_r.error(); \
    auto var = std::move(*var##_r)

WireResponse JsonResponse(unsigned status, const boost::json::object& body);
// The AWS error shape: status, x-amzn-ErrorType, {"exceptionMessage","message",...extra}.
WireResponse ErrorResponse(unsigned status, std::string_view type, const std::string& message,
                           const boost::json::object& extra = {});
WireResponse FromError(const Error& e);
// Typed request members; a wrong type is a ValidationException. Absent or null members give
// "" / nullopt / the fallback.
Result<std::string> Str(const Body& b, std::string_view name);
Result<int> IntOr(const Body& b, std::string_view name, int fallback);
Result<std::optional<bool>> Bool(const Body& b, std::string_view name);
Result<ports::Tags> Map(const Body& b, std::string_view name);
Result<Body> ParseBody(const std::string& body);
// The paging members of a List* request: nextToken and maxResults (50 when absent).
struct PageRequest {
    std::string next_token;
    int max_results = 50;
};
Result<PageRequest> PageRequestOf(const Body& b);
// The answer of an operation whose output is empty: {}, or the call's error.
OpResult EmptyAnswer(const Status& status);
// A List* answer: {member: [to_json(item)...], "nextToken"?}.
template <class T, class F>
boost::json::object PageJson(const ports::Page<T>& page, std::string_view member, F to_json) {
    boost::json::array items;
    for (const auto& item : page.items) items.emplace_back(to_json(item));
    boost::json::object o;
    o[member] = std::move(items);
    if (!page.next_token.empty()) o["nextToken"] = page.next_token;
    return o;
}

// The string members `names` of a request, in that order.
template <std::size_t N>
Result<std::array<std::string, N>> StrMembers(const Body& b,
                                              const std::array<std::string_view, N>& names) {
    std::array<std::string, N> values;
    for (std::size_t i = 0; i < N; ++i) {
        auto v = Str(b, names[i]);
        if (!v) return v.error();
        values[i] = std::move(*v);
    }
    return values;
}

// An operation whose request is the string members `names`, passed in that order to `method`.
// A Status answer is {} or the call's error; a JSON answer is the operation's output.
template <class R, class... Args>
Op StrMembersOp(R (Emulator::*method)(Args...),
                std::array<std::string_view, sizeof...(Args)> names) {
    return [method, names](Emulator& e, const Body& b) -> OpResult {
        auto values = StrMembers(b, names);
        if (!values) return values.error();
        auto answer = std::apply([&](const auto&... v) { return (e.*method)(v...); }, *values);
        if constexpr (std::is_same_v<R, Status>) {
            return EmptyAnswer(answer);
        } else {
            return answer;
        }
    };
}

// A List* operation: the string members `names` and then the paging members, passed in that
// order to `method`; the answer is PageJson(page, member, to_json).
template <class T, class... Args, class ToJson>
Op PagedOp(Result<ports::Page<T>> (Emulator::*method)(Args...),
           std::array<std::string_view, sizeof...(Args) - 2> names, std::string_view member,
           ToJson to_json) {
    return [method, names, member, to_json](Emulator& e, const Body& b) -> OpResult {
        auto values = StrMembers(b, names);
        if (!values) return values.error();
        IVS_TRY(paging, PageRequestOf(b));
        auto page = std::apply(
            [&](const auto&... v) {
                return (e.*method)(v..., paging.next_token, paging.max_results);
            },
            *values);
        if (!page) return page.error();
        return PageJson(*page, member, to_json);
    };
}

// The header's value (case-insensitive name), or "".
std::string HeaderOf(const WireRequest& req, std::string_view name);

// /tags/{arn}: ListTagsForResource (GET), TagResource (POST), UntagResource (DELETE).
OpResult HandleTags(Emulator& e, const WireRequest& req, const Body& body);
// /_emulator/*: the unsigned control API.
WireResponse HandleControl(Emulator& e, const WireRequest& req);
// /whip, /whip/{resource}, /subscribe, /subscribe/{resource}: media sessions.
WireResponse HandleMedia(Emulator& e, const EmulatorServerOptions& options,
                         const WireRequest& req);
// True for the paths HandleMedia answers.
bool IsMediaPath(std::string_view path);

}  // namespace ivs::emulator
