#include "http/handlers/openapi.hpp"

#include "core/json_text.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <map>
#include <mutex>
#include <stdexcept>

namespace ivs::http {
namespace json = boost::json;
namespace asio = boost::asio;

namespace {

// Pattern with parameter names erased, so "/a/:id" and "/a/:stageId" are the same route.
std::string ShapeOf(std::string_view pattern) {
    std::string out;
    std::size_t i = 0;
    while (i < pattern.size()) {
        if (pattern[i] == ':' && (i == 0 || pattern[i - 1] == '/')) {
            out += "{}";
            while (i < pattern.size() && pattern[i] != '/') ++i;
        } else {
            out += pattern[i++];
        }
    }
    return out;
}

std::vector<std::string> ParamNames(std::string_view pattern) {
    std::vector<std::string> names;
    std::size_t i = 0;
    while ((i = pattern.find("/:", i)) != std::string_view::npos) {
        i += 2;
        auto end = pattern.find('/', i);
        names.emplace_back(pattern.substr(i, end == std::string_view::npos ? end : end - i));
    }
    return names;
}

json::value ParseSchema(std::string_view text, std::string_view where) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) throw std::runtime_error("OpenAPI table: invalid schema JSON for " + std::string(where));
    return v;
}

json::object Ref(std::string_view name) {
    return json::object{{"$ref", "#/components/schemas/" + std::string(name)}};
}

json::object Content(std::string_view media_type, json::value schema) {
    return json::object{{media_type, json::object{{"schema", std::move(schema)}}}};
}

json::object JsonContent(json::value schema) {
    return Content("application/json", std::move(schema));
}

json::object TextContent(std::string_view media_type) {
    return Content(media_type, json::object{{"type", "string"}});
}

json::object SuccessResponse(json::object content) {
    return json::object{{"description", "Success"}, {"content", std::move(content)}};
}

json::object ErrorResponse(std::string_view description) {
    return json::object{{"description", description}, {"content", JsonContent(Ref("ErrorEnvelope"))}};
}

json::array QueryParameters(std::string_view spec) {
    json::array out;
    while (!spec.empty()) {
        auto comma = spec.find(',');
        std::string_view item = spec.substr(0, comma);
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
        auto c1 = item.find(':');
        std::string_view name = item.substr(0, c1);
        std::string_view rest = c1 == std::string_view::npos ? "string" : item.substr(c1 + 1);
        auto c2 = rest.find(':');
        std::string_view type = rest.substr(0, c2);
        bool required = c2 != std::string_view::npos && rest.substr(c2 + 1) == "required";
        out.push_back(json::object{{"name", name},
                                   {"in", "query"},
                                   {"required", required},
                                   {"schema", json::object{{"type", type}}}});
    }
    return out;
}

const char* MethodName(Verb v) {
    switch (v) {
        case Verb::get: return "get";
        case Verb::post: return "post";
        case Verb::put: return "put";
        case Verb::delete_: return "delete";
        case Verb::patch: return "patch";
        case Verb::head: return "head";
        case Verb::options: return "options";
        default: return "get";
    }
}

// camelCase from the method and the path: "get /api/stage/:stageArn" -> "getApiStageByStageArn",
// "get /" -> "getRoot". URL-safe and unique per route.
std::string OperationId(Verb method, std::string_view pattern) {
    std::string id = MethodName(method);
    const std::size_t base = id.size();
    bool upper = true;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '/' || c == '-' || c == '_' || c == '.') {
            upper = true;
        } else if (c == ':' && (i == 0 || pattern[i - 1] == '/')) {
            id += "By";
            upper = true;
        } else if (std::isalnum(static_cast<unsigned char>(c))) {
            id += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
            upper = false;
        }
    }
    if (id.size() == base) id += "Root";
    return id;
}

// 404 where a path or query names something that may not exist, 503 wherever a dependency
// (hot store, history store, IVS) answers the request, plus the statuses the table lists.
void AddErrorStatuses(json::object& responses, const Route& route, const OperationSpec* spec) {
    const std::string_view pattern = route.pattern;
    const bool names_something =
        !ParamNames(pattern).empty() || (spec && !spec->query.empty());
    if (names_something) responses["404"] = ErrorResponse("No such resource (NOT_FOUND)");
    const bool api = pattern.rfind("/api/", 0) == 0 && pattern != "/api/openapi.json";
    if (api) {
        responses["503"] = ErrorResponse(
            "A dependency is unavailable, or no seat (SERVICE_UNAVAILABLE, STAGE_FULL)");
    }
    std::string_view extra = spec ? spec->error_statuses : std::string_view{};
    while (!extra.empty()) {
        auto comma = extra.find(',');
        std::string code(extra.substr(0, comma));
        extra = comma == std::string_view::npos ? std::string_view{} : extra.substr(comma + 1);
        if (code == "404") {
            responses["404"] = ErrorResponse("No such resource (NOT_FOUND)");
        } else if (code == "503") {
            responses["503"] = ErrorResponse("A dependency is down (SERVICE_UNAVAILABLE)");
        } else {
            responses[code] = ErrorResponse("Error envelope");
        }
    }
}

json::object Operation(const Route& route, const OperationSpec* spec) {
    json::object op;
    op["operationId"] = OperationId(route.method, route.pattern);
    op["summary"] = spec && !spec->summary.empty() ? std::string(spec->summary)
                                                   : route.options.summary;
    if (spec && !spec->tag.empty()) op["tags"] = json::array{spec->tag};
    json::array params;
    for (const auto& name : ParamNames(route.pattern)) {
        params.push_back(json::object{{"name", name},
                                      {"in", "path"},
                                      {"required", true},
                                      {"schema", json::object{{"type", "string"}}}});
    }
    if (spec) {
        for (auto& q : QueryParameters(spec->query)) params.push_back(std::move(q));
    }
    if (!params.empty()) op["parameters"] = std::move(params);

    if (route.options.access == Access::open) {
        op["security"] = json::array{};
    } else {
        json::array sec{json::object{{"ApiKey", json::array{}}}};
        if (route.options.allow_session) {
            sec.push_back(json::object{{"SessionToken", json::array{}}});
        }
        op["security"] = std::move(sec);
    }

    json::object responses;
    std::string where = std::string(MethodName(route.method)) + " " + route.pattern;
    if (spec && !spec->request_schema.empty()) {
        op["requestBody"] = json::object{
            {"required", true},
            {"content", JsonContent(ParseSchema(spec->request_schema, where))}};
        responses["400"] = ErrorResponse("Malformed JSON or invalid fields (VALIDATION_ERROR)");
    } else if (!ParamNames(route.pattern).empty() || (spec && !spec->query.empty())) {
        responses["400"] = ErrorResponse("Invalid parameters (VALIDATION_ERROR)");
    }
    json::value data = spec && !spec->response_schema.empty()
                           ? ParseSchema(spec->response_schema, where)
                           : json::value(json::object{});
    ResponseKind kind = spec ? spec->kind : ResponseKind::envelope;
    std::string ok = std::to_string(spec ? spec->success_status : 200);
    switch (kind) {
        case ResponseKind::envelope: {
            json::object envelope = Ref("SuccessEnvelope");
            json::object schema{
                {"allOf", json::array{envelope, json::object{{"type", "object"},
                                                             {"properties",
                                                              json::object{{"data", data}}}}}}};
            responses[ok] = SuccessResponse(JsonContent(std::move(schema)));
            break;
        }
        case ResponseKind::json:
            responses[ok] = SuccessResponse(JsonContent(std::move(data)));
            break;
        case ResponseKind::text:
            responses[ok] = SuccessResponse(TextContent("text/plain"));
            break;
        case ResponseKind::html:
            responses[ok] = SuccessResponse(TextContent("text/html"));
            break;
    }
    if (route.options.access != Access::open) {
        responses["401"] = ErrorResponse("Missing or invalid credentials (UNAUTHORIZED)");
        responses["403"] = ErrorResponse("Credentials lack the scope (FORBIDDEN)");
    }
    AddErrorStatuses(responses, route, spec);
    responses["429"] = ErrorResponse("Rate limit exceeded (TOO_MANY_REQUESTS)");
    responses["default"] = ErrorResponse("Error envelope (any other error code)");
    op["responses"] = std::move(responses);
    if (!spec) op["x-undocumented"] = true;
    return op;
}

const OperationSpec* FindSpec(const Route& route) {
    std::string shape = ShapeOf(route.pattern);
    for (const auto& s : OperationSpecs()) {
        if (s.method == route.method && ShapeOf(s.pattern) == shape) return &s;
    }
    return nullptr;
}

}  // namespace

std::string OpenApiPath(std::string_view pattern) {
    std::string out;
    std::size_t i = 0;
    while (i < pattern.size()) {
        if (pattern[i] == ':' && (i == 0 || pattern[i - 1] == '/')) {
            auto end = pattern.find('/', i);
            if (end == std::string_view::npos) end = pattern.size();
            out += '{';
            out += pattern.substr(i + 1, end - i - 1);
            out += '}';
            i = end;
        } else {
            out += pattern[i++];
        }
    }
    return out;
}

json::object BuildOpenApiDocument(const Router& router) {
    json::object paths;
    for (const auto& route : router.Routes()) {
        json::value& item = paths[OpenApiPath(route.pattern)];
        if (!item.is_object()) item.emplace_object();
        item.as_object()[MethodName(route.method)] = Operation(route, FindSpec(route));
    }
    json::object components;
    components["schemas"] = ComponentSchemas();
    components["securitySchemes"] = json::object{
        {"ApiKey", json::object{{"type", "apiKey"}, {"in", "header"}, {"name", "x-api-key"}}},
        {"SessionToken", json::object{{"type", "http"},
                                      {"scheme", "bearer"},
                                      {"description", "Viewer session token (sessionToken)"}}}};
    json::object doc;
    doc["openapi"] = "3.1.0";
    doc["info"] = json::object{
        {"title", "ivs-server API"},
        {"version", IVS_VERSION},
        {"description",
         "Backend of a live-streaming product on Amazon IVS Real-Time: tokens, viewer seating "
         "across auto-scaled stages, heartbeats, history and live statistics. Every /api "
         "response uses the envelope {success, data|error, timestamp}. The WebSocket at /ws "
         "pushes stats_update and stage events (see GET /ws)."}};
    // Relative: the document describes the server that serves it, wherever it is reached.
    doc["servers"] = json::array{json::object{{"url", "/"}, {"description", "This server"}}};
    doc["jsonSchemaDialect"] = "https://spec.openapis.org/oas/3.1/dialect/base";
    paths["/ws"] = WebSocketPathItem();
    doc["paths"] = std::move(paths);
    doc["components"] = std::move(components);
    return doc;
}

std::vector<const OperationSpec*> SpecsWithoutRoute(const Router& router) {
    std::vector<const OperationSpec*> out;
    for (const auto& s : OperationSpecs()) {
        bool found = false;
        for (const auto& r : router.Routes()) {
            if (r.method == s.method && ShapeOf(r.pattern) == ShapeOf(s.pattern)) found = true;
        }
        if (!found) out.push_back(&s);
    }
    return out;
}

void RegisterOpenApiRoute(Router& router) {
    struct Cache {
        std::once_flag once;
        std::string body;
    };
    auto cache = std::make_shared<Cache>();
    const Router* r = &router;
    router.Add(
        Verb::get, "/api/openapi.json",
        [cache, r](RequestContext&) -> asio::awaitable<Reply> {
            std::call_once(cache->once,
                           [&] { cache->body = SerializeJson(BuildOpenApiDocument(*r)); });
            Reply reply;
            reply.body = cache->body;
            co_return reply;
        },
        RouteOptions{Access::open, false, "This API as an OpenAPI 3.1 document"});
}

namespace {

// JSON Schema "type": one name or a list of names.
bool MatchesType(const json::value& value, const json::value& type) {
    auto matches = [&](std::string_view t) {
        if (t == "object") return value.is_object();
        if (t == "array") return value.is_array();
        if (t == "string") return value.is_string();
        if (t == "boolean") return value.is_bool();
        if (t == "null") return value.is_null();
        if (t == "integer") {
            if (value.is_int64() || value.is_uint64()) return true;
            if (!value.is_double()) return false;
            double d = value.as_double();
            return d == static_cast<double>(static_cast<long long>(d));
        }
        if (t == "number") return value.is_number();
        return true;
    };
    if (type.is_string()) return matches(type.as_string());
    if (type.is_array()) {
        for (const auto& t : type.as_array()) {
            if (t.is_string() && matches(t.as_string())) return true;
        }
    }
    return false;
}

}  // namespace

std::string ValidateSchema(const json::value& value, const json::value& schema_value,
                           const json::object& root, const std::string& path) {
    if (!schema_value.is_object()) return {};
    const auto& schema = schema_value.as_object();
    if (auto* ref = schema.if_contains("$ref"); ref && ref->is_string()) {
        std::string_view target = ref->as_string();
        constexpr std::string_view kPrefix = "#/components/schemas/";
        if (target.substr(0, kPrefix.size()) != kPrefix) return path + ": unsupported $ref";
        const auto* comps = root.if_contains("components");
        const json::value* s = nullptr;
        if (comps && comps->is_object()) {
            if (auto* schemas = comps->as_object().if_contains("schemas")) {
                if (schemas->is_object()) {
                    s = schemas->as_object().if_contains(target.substr(kPrefix.size()));
                }
            }
        }
        if (!s) return path + ": unresolved $ref " + std::string(target);
        return ValidateSchema(value, *s, root, path);
    }
    if (auto* all = schema.if_contains("allOf"); all && all->is_array()) {
        for (const auto& s : all->as_array()) {
            auto err = ValidateSchema(value, s, root, path);
            if (!err.empty()) return err;
        }
    }
    for (const char* key : {"anyOf", "oneOf"}) {
        if (auto* any = schema.if_contains(key); any && any->is_array()) {
            std::string first;
            bool ok = false;
            for (const auto& s : any->as_array()) {
                auto err = ValidateSchema(value, s, root, path);
                if (err.empty()) {
                    ok = true;
                    break;
                }
                if (first.empty()) first = err;
            }
            if (!ok) return first.empty() ? path + ": matches no alternative" : first;
        }
    }
    if (auto* type = schema.if_contains("type"); type && !MatchesType(value, *type)) {
        return path + ": expected type " + json::serialize(*type);
    }
    if (auto* en = schema.if_contains("enum"); en && en->is_array()) {
        bool ok = false;
        for (const auto& e : en->as_array()) {
            if (e == value) ok = true;
        }
        if (!ok) return path + ": value not in enum";
    }
    if (value.is_object()) {
        const auto& obj = value.as_object();
        if (auto* req = schema.if_contains("required"); req && req->is_array()) {
            for (const auto& r : req->as_array()) {
                if (r.is_string() && !obj.contains(r.as_string())) {
                    return path + ": missing required property " + std::string(r.as_string());
                }
            }
        }
        if (auto* props = schema.if_contains("properties"); props && props->is_object()) {
            for (const auto& [name, sub] : props->as_object()) {
                if (auto* v = obj.if_contains(name)) {
                    auto err = ValidateSchema(*v, sub, root, path + "." + std::string(name));
                    if (!err.empty()) return err;
                }
            }
        }
    }
    if (value.is_array()) {
        if (auto* items = schema.if_contains("items")) {
            std::size_t i = 0;
            for (const auto& v : value.as_array()) {
                auto err = ValidateSchema(v, *items, root, path + "[" + std::to_string(i++) + "]");
                if (!err.empty()) return err;
            }
        }
    }
    return {};
}

}  // namespace ivs::http
