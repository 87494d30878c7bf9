#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "http/router.hpp"

namespace ivs::http {

// How a documented operation answers on success.
enum class ResponseKind {
    envelope,  // {"success":true,"data":<data schema>,"timestamp",...}
    json,      // a JSON document without the envelope (service info, OpenAPI, dashboard config)
    text,      // text/plain (Prometheus)
    html,      // a page or a static file
};

// One operation as the OpenAPI document describes it. Schemas are JSON Schema text (OpenAPI 3.1
// dialect); "$ref" may point at "#/components/schemas/<Name>".
struct OperationSpec {
    Verb method;
    std::string_view pattern;  // router pattern, e.g. "/api/stage/:stageArn"
    std::string_view tag;
    std::string_view summary;
    std::string_view request_schema;  // empty: no body
    std::string_view response_schema;  // the envelope's data, or the whole JSON document
    ResponseKind kind = ResponseKind::envelope;
    int success_status = 200;
    std::string_view query;  // "name:type[:required],..." e.g. "limit:integer,userId:string:required"
    // Error statuses beyond the generic ones, comma-separated ("404,503"); their bodies are
    // error envelopes (503 of /api/health: the health data beside the error).
    std::string_view error_statuses;
};

// The table of documented operations (openapi_spec.cpp) and the shared component schemas.
const std::vector<OperationSpec>& OperationSpecs();
boost::json::object ComponentSchemas();
// The /ws path item (an upgrade, not a router route): handshake statuses and message schemas.
boost::json::object WebSocketPathItem();

// "/api/stage/:stageArn" -> "/api/stage/{stageArn}".
std::string OpenApiPath(std::string_view router_pattern);

// The OpenAPI 3.1 document for every route registered in `router`. A route without an entry in
// the table is still listed, with its summary and "x-undocumented": true (the coverage test
// fails on those). Throws std::runtime_error when a table schema is not valid JSON (a bug).
boost::json::object BuildOpenApiDocument(const Router& router);

// Table entries that match no registered route (for the coverage test).
std::vector<const OperationSpec*> SpecsWithoutRoute(const Router& router);

// GET /api/openapi.json (open). The document is built on first request, when every route is
// registered.
void RegisterOpenApiRoute(Router& router);

// Minimal JSON Schema check used by tests and tools: type, required, properties, items, enum,
// anyOf/oneOf and local "$ref" into `root`. Returns "" when `value` conforms, else a path and
// reason for the first mismatch.
std::string ValidateSchema(const boost::json::value& value, const boost::json::value& schema,
                           const boost::json::object& root, const std::string& path = "$");

}  // namespace ivs::http
