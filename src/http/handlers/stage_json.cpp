#include "http/handlers/stage_json.hpp"

#include "core/time_format.hpp"

namespace ivs::http::stage_json {

namespace json = boost::json;

json::object Tags(const ports::Tags& tags) {
    json::object o;
    for (const auto& [k, v] : tags) o[k] = v;
    return o;
}

json::object Stage(const ports::Stage& s) {
    if (!s.raw.empty()) return s.raw;
    json::object o{{"arn", s.arn}, {"name", s.name}, {"tags", Tags(s.tags)}};
    if (!s.active_session_id.empty()) o["activeSessionId"] = s.active_session_id;
    o["endpoints"] = json::object{{"events", s.endpoints.events},
                                  {"whip", s.endpoints.whip},
                                  {"rtmp", s.endpoints.rtmp},
                                  {"rtmps", s.endpoints.rtmps}};
    return o;
}

json::object Record(const ports::StageRecord& r, const ports::Tags& tags) {
    return json::object{{"stageArn", r.arn},
                        {"name", r.name},
                        {"viewerCount", r.viewers},
                        {"autoScaled", r.auto_scaled},
                        {"createdAt", FormatIso8601Millis(r.created_at)},
                        {"state", r.state == ports::StageState::draining ? "draining" : "active"},
                        {"isMasterStage", r.is_master},
                        {"tags", Tags(tags)}};
}

Error FromIvs(const Error& e, std::string_view what) {
    switch (e.code) {
        case Errc::not_found: return Error(Errc::not_found, "Stage not found");
        case Errc::invalid_argument: return Error(Errc::invalid_argument, e.message);
        case Errc::stage_limit_reached: return e;
        case Errc::forbidden:
            return Error(Errc::unavailable, std::string(what) + " failed: IVS refused access");
        default:
            return Error(Errc::unavailable, std::string(what) + " failed: IVS is unavailable");
    }
}

std::optional<std::string> OptionalString(const json::object& body, std::string_view name,
                                          bool (*valid)(std::string_view),
                                          std::vector<std::string>& invalid) {
    auto it = body.find(name);
    if (it == body.end() || it->value().is_null()) return std::nullopt;
    if (!it->value().is_string() || (valid && !valid(it->value().get_string()))) {
        invalid.emplace_back(name);
        return std::nullopt;
    }
    return std::string(it->value().get_string());
}

}  // namespace ivs::http::stage_json
