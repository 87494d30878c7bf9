// The tag routes and the unsigned control API of the emulator's wire front.

#include <boost/json.hpp>

#include "adapters/aws/ivs_json.hpp"
#include "adapters/ivs/emulator_wire.hpp"
#include "core/percent.hpp"

namespace ivs::emulator {
using namespace aws::ivs_json;
namespace json = boost::json;

// --- tag routes ---

OpResult HandleTags(Emulator& e, const WireRequest& req, const Body& body) {
    std::string arn = PercentDecodeOrKeep(std::string_view(req.path).substr(6));
    if (req.method == "GET") {
        IVS_TRY(tags, e.ListTagsForResource(arn));
        return json::object{{"tags", TagsToJson(tags)}};
    }
    if (req.method == "POST") {
        if (!body.contains("tags")) return IvsError(kValidation, "tags is required");
        IVS_TRY(tags, Map(body, "tags"));
        return EmptyAnswer(e.TagResource(arn, tags));
    }
    if (req.method == "DELETE") {
        std::vector<std::string> keys;
        std::string_view q = req.query;
        while (!q.empty()) {
            auto amp = q.find('&');
            std::string_view part = q.substr(0, amp);
            q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
            auto eq = part.find('=');
            if (eq == std::string_view::npos) continue;
            if (PercentDecodeOrKeep(part.substr(0, eq)) == "tagKeys") {
                keys.push_back(PercentDecodeOrKeep(part.substr(eq + 1), true));
            }
        }
        if (keys.empty()) return IvsError(kValidation, "tagKeys is required");
        return EmptyAnswer(e.UntagResource(arn, keys));
    }
    return IvsError(kValidation, "Unsupported method for /tags");
}

// --- control API ---

WireResponse HandleControl(Emulator& e, const WireRequest& req) {
    auto body = ParseBody(req.body);
    if (!body) return FromError(body.error());
    std::string_view action = std::string_view(req.path).substr(std::string_view("/_emulator/").size());
    auto str = [&](std::string_view name) {
        auto s = Str(*body, name);
        return s ? *s : std::string();
    };
    auto done = [](const Status& st) {
        return st ? JsonResponse(200, json::object{}) : FromError(st.error());
    };
    if (req.method == "POST" && action == "join") {
        auto joined = e.Join(str("stageArn"), str("token"));
        if (!joined) return FromError(joined.error());
        return JsonResponse(200, json::object{{"participantId", joined->participant_id},
                                              {"sessionId", joined->session_id}});
    }
    if (req.method == "POST" && action == "publish") {
        return done(e.Publish(str("stageArn"), str("participantId")));
    }
    if (req.method == "POST" && action == "unpublish") {
        return done(e.Unpublish(str("stageArn"), str("participantId")));
    }
    if (req.method == "POST" && action == "leave") {
        return done(e.Leave(str("stageArn"), str("participantId")));
    }
    if (action == "faults") {
        if (req.method == "DELETE") {
            e.ClearFaults();
            return JsonResponse(200, json::object{});
        }
        if (req.method == "POST") {
            Fault f;
            auto status = IntOr(*body, "status", 503);
            auto count = IntOr(*body, "count", 1);
            if (!status || !count || *status < 400 || *status > 599 || *count < 0) {
                return FromError(IvsError(kValidation, "status must be 400-599 and count >= 0"));
            }
            f.status = static_cast<unsigned>(*status);
            if (auto t = str("errorType"); !t.empty()) f.error_type = t;
            if (auto m = str("message"); !m.empty()) f.message = m;
            e.InjectFaults(f, *count);
            return JsonResponse(200, json::object{});
        }
    }
    if (req.method == "GET" && action == "stats") {
        return JsonResponse(200, json::object{{"apiCalls", e.ApiCalls()}});
    }
    return ErrorResponse(404, "ResourceNotFoundException", "Unknown control route");
}

}  // namespace ivs::emulator
