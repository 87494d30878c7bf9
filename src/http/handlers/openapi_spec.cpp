// The documented operations. Keep one entry per route the server registers: the OpenAPI
// coverage test fails when a route has no entry here, or an entry matches no route.
#include <boost/json.hpp>

#include "http/handlers/openapi.hpp"

namespace ivs::http {
namespace json = boost::json;

namespace {

// components.schemas: the envelopes and the resources the answers carry.
constexpr const char* kSchemas = R"({
  "SuccessEnvelope": {
    "type": "object",
    "required": ["success", "data", "timestamp"],
    "properties": {
      "success": {"type": "boolean", "enum": [true]},
      "data": {},
      "message": {"type": "string"},
      "timestamp": {"type": "string", "format": "date-time"}
    }
  },
  "ErrorEnvelope": {
    "type": "object",
    "required": ["success", "error", "timestamp"],
    "properties": {
      "success": {"type": "boolean", "enum": [false]},
      "error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
          "code": {"type": "string", "enum": ["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND",
            "VALIDATION_ERROR", "STAGE_FULL", "STAGE_LIMIT_REACHED", "TOKEN_GENERATION_FAILED",
            "TOO_MANY_REQUESTS", "SERVICE_UNAVAILABLE", "PAYLOAD_TOO_LARGE", "METHOD_NOT_ALLOWED",
            "INTERNAL_ERROR"]},
          "message": {"type": "string"},
          "details": {
            "type": "object",
            "properties": {
              "missingFields": {"type": "array", "items": {"type": "string"}},
              "invalidFields": {"type": "array", "items": {"type": "string"}}
            }
          }
        }
      },
      "timestamp": {"type": "string", "format": "date-time"}
    }
  },
  "IvsStage": {
    "type": "object",
    "required": ["arn"],
    "properties": {
      "arn": {"type": "string"},
      "name": {"type": "string"},
      "activeSessionId": {"type": "string"},
      "tags": {"type": "object"},
      "endpoints": {"type": "object"}
    }
  },
  "StageStats": {
    "type": "object",
    "required": ["stageArn", "viewerCount"],
    "properties": {
      "stageArn": {"type": "string"},
      "stageName": {"type": "string"},
      "viewerCount": {"type": "integer"},
      "state": {"type": "string"},
      "autoScaled": {"type": "boolean"},
      "isMasterStage": {"type": "boolean"},
      "createdAt": {"type": "string", "format": "date-time"},
      "drainingSince": {"type": "string", "format": "date-time"},
      "tags": {"type": "object"}
    }
  },
  "ParticipantToken": {
    "type": "object",
    "required": ["token", "participantId", "stageArn", "capabilities", "expiresAt"],
    "properties": {
      "token": {"type": "string"},
      "participantId": {"type": "string"},
      "userId": {"type": "string"},
      "stageArn": {"type": "string"},
      "capabilities": {"type": "array", "items": {"type": "string"}},
      "expiresAt": {"type": "string"},
      "expiresIn": {"type": "integer"}
    }
  },
  "Health": {
    "description": "The Node server's health fields (seed 4.1), kept for its monitors",
    "type": "object",
    "required": ["status", "uptime", "environment", "version", "services", "memory"],
    "properties": {
      "status": {"type": "string", "enum": ["healthy", "unhealthy"]},
      "uptime": {"type": "number", "description": "Seconds since the process started"},
      "environment": {"type": "string"},
      "version": {"type": "string"},
      "services": {
        "type": "object",
        "required": ["redis", "aws"],
        "properties": {
          "redis": {"type": "string", "enum": ["connected", "disconnected", "not configured"]},
          "aws": {
            "type": "object",
            "required": ["region", "stageConfigured"],
            "properties": {"region": {"type": "string"}, "stageConfigured": {"type": "boolean"}}
          }
        }
      },
      "memory": {
        "type": "object",
        "required": ["used", "total", "unit"],
        "properties": {
          "used": {"type": "integer", "description": "Resident set size"},
          "total": {"type": "integer", "description": "cgroup limit, else physical memory"},
          "unit": {"type": "string", "enum": ["MB"]},
          "rss": {"type": "number"}
        }
      }
    }
  },
  "DependencyState": {
    "type": "object",
    "required": ["status", "adapter", "latencyMs"],
    "properties": {
      "status": {"type": "string", "enum": ["up", "down"]},
      "adapter": {"type": "string"},
      "latencyMs": {"type": "number"},
      "error": {"type": "string"}
    }
  },
  "WsClientMessage": {
    "description": "WebSocket /ws message a client sends",
    "type": "object",
    "required": ["type"],
    "properties": {
      "type": {"type": "string", "enum": ["subscribe", "unsubscribe", "ping"]},
      "channel": {"type": "string", "description": "\"stats\" or \"stage:<stageArn>\""}
    }
  },
  "WsServerMessage": {
    "description": "WebSocket /ws message the server sends: subscribed/unsubscribed acks, pong, error, stats_update and stage events",
    "type": "object",
    "required": ["type"],
    "properties": {
      "type": {"type": "string"},
      "channel": {"type": "string"},
      "data": {},
      "message": {"type": "string"},
      "timestamp": {"type": "string"}
    }
  },
  "StatsUpdate": {
    "description": "WebSocket /ws message pushed to subscribers of the stats channel",
    "type": "object",
    "required": ["type", "data", "timestamp"],
    "properties": {
      "type": {"type": "string", "enum": ["stats_update"]},
      "data": {
        "type": "object",
        "required": ["totalViewers", "activeStages", "isPublisherLive", "stages", "timestamp"],
        "properties": {
          "totalViewers": {"type": "integer"},
          "activeStages": {"type": "integer"},
          "isPublisherLive": {"type": "boolean"},
          "stages": {"type": "array", "items": {
            "type": "object",
            "required": ["stageArn", "viewerCount", "state"],
            "properties": {"stageArn": {"type": "string"}, "viewerCount": {"type": "integer"},
                           "state": {"type": "string"}}}},
          "timestamp": {"type": "string"}
        }
      },
      "timestamp": {"type": "string"}
    }
  }
})";

}  // namespace

boost::json::object ComponentSchemas() { return json::parse(kSchemas).as_object(); }

namespace {

constexpr const char* kUserIdBody =
    R"({"type":"object","required":["userId"],"properties":{"userId":{"type":"string","minLength":1,"maxLength":128}}})";
constexpr const char* kViewerBody =
    R"({"type":"object","required":["userId","stageArn"],"properties":{"userId":{"type":"string"},"stageArn":{"type":"string"},"sessionId":{"type":"string"}}})";
constexpr const char* kReplicationBody =
    R"({"type":"object","required":["sourceStageArn","destinationStageArn","participantId"],"properties":{"sourceStageArn":{"type":"string"},"destinationStageArn":{"type":"string"},"participantId":{"type":"string"}}})";
constexpr const char* kAnyObject = R"({"type":"object"})";
constexpr const char* kServiceInfo =
    R"({"type":"object","required":["service","version","status","timestamp","endpoints"],"properties":{"service":{"type":"string"},"version":{"type":"string"},"status":{"type":"string"},"timestamp":{"type":"string","format":"date-time"},"endpoints":{"type":"object","additionalProperties":{"type":"string"}}}})";
constexpr const char* kReplicationAnswer =
    R"({"type":"object","required":["sourceStageArn","destinationStageArn","participantId"],"properties":{"message":{"type":"string"},"sourceStageArn":{"type":"string"},"destinationStageArn":{"type":"string"},"participantId":{"type":"string"},"startedAt":{"type":"string","format":"date-time"},"stoppedAt":{"type":"string","format":"date-time"}}})";

}  // namespace

boost::json::object WebSocketPathItem() {
    // /ws is an upgrade, not a route: its handshake answers and its messages.
    static const char* kWebSocket = R"json({
  "get": {
    "operationId": "getWs",
    "tags": [
      "live"
    ],
    "summary": "Live updates over WebSocket",
    "description": "Upgrade to a WebSocket. Credentials: the x-api-key header; or a key offered as the Sec-WebSocket-Protocol value \"ivs-key.<base64url of the key>\" (echoed back), so a browser never puts it in the URL; or ?token=<sessionToken>. The client sends WsClientMessage objects ({\"type\":\"subscribe\",\"channel\":\"stats\"} or \"stage:<stageArn>\"; unsubscribe; ping); the server answers WsServerMessage objects and pushes StatsUpdate messages and stage events to subscribers.",
    "security": [
      {
        "ApiKey": []
      }
    ],
    "x-websocket-messages": {
      "send": {
        "$ref": "#/components/schemas/WsClientMessage"
      },
      "receive": {
        "oneOf": [
          {
            "$ref": "#/components/schemas/WsServerMessage"
          },
          {
            "$ref": "#/components/schemas/StatsUpdate"
          }
        ]
      }
    },
    "responses": {
      "101": {
        "description": "Switching Protocols: the WebSocket is open"
      },
      "400": {
        "description": "A plain GET without the upgrade (VALIDATION_ERROR)",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ErrorEnvelope"
            }
          }
        }
      },
      "401": {
        "description": "Missing or invalid credentials (UNAUTHORIZED)",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ErrorEnvelope"
            }
          }
        }
      },
      "403": {
        "description": "Origin not allowed (FORBIDDEN)",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ErrorEnvelope"
            }
          }
        }
      },
      "503": {
        "description": "Too many WebSocket connections (SERVICE_UNAVAILABLE)",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ErrorEnvelope"
            }
          }
        }
      },
      "default": {
        "description": "Error envelope (any other error code)",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ErrorEnvelope"
            }
          }
        }
      }
    }
  }
})json";
    return json::parse(kWebSocket).as_object();
}

namespace {

// System, Tokens.
std::vector<OperationSpec> SystemAndTokenSpecs() {
    using K = ResponseKind;
    return {
        // System
        {Verb::get, "/", "system", "Service information", "", kServiceInfo, K::json},
        {Verb::get, "/health", "system",
         "Liveness (no dependency calls; services.redis is the last known state)", "",
         R"({"$ref":"#/components/schemas/Health"})"},
        {Verb::get, "/api/health", "system",
         "Readiness: every dependency probed with a 1 s deadline (503 when one is down)", "",
         R"({"allOf":[{"$ref":"#/components/schemas/Health"},{"type":"object","required":["instance"],"properties":{"services":{"type":"object","additionalProperties":{"anyOf":[{"type":"string"},{"type":"object"},{"$ref":"#/components/schemas/DependencyState"}]}},"instance":{"type":"object","required":["id","leader"],"properties":{"id":{"type":"string"},"leader":{"type":"boolean"}}}}}]})",
         K::envelope, 200, "", "503"},
        {Verb::get, "/metrics", "observability", "Prometheus metrics (text format 0.0.4)", "", "",
         K::text},
        {Verb::get, "/api/openapi.json", "observability", "This API as an OpenAPI 3.1 document",
         "", R"({"type":"object","required":["openapi","paths"],"properties":{"openapi":{"type":"string"},"paths":{"type":"object"}}})", K::json},
        {Verb::get, "/dashboard", "observability", "Live dashboard page", "", "", K::html},
        {Verb::get, "/dashboard/config.json", "observability",
         "Dashboard settings (whether it asks for an API key)", "",
         R"({"type":"object","required":["requireApiKey","wsPath","stageCapacity","drainTimeoutSeconds"],"properties":{"requireApiKey":{"type":"boolean"},"wsPath":{"type":"string"},"stageCapacity":{"type":"integer"},"drainTimeoutSeconds":{"type":"integer"}}})",
         K::json},
        {Verb::get, "/dashboard/:asset", "observability", "Dashboard script and style sheet", "",
         "", K::html},

        // Tokens
        {Verb::post, "/api/token/publisher", "tokens",
         "Publisher token for the master stage (PUBLISH)", kUserIdBody,
         R"({"$ref":"#/components/schemas/ParticipantToken"})"},
        {Verb::post, "/api/token/viewer", "tokens",
         "Viewer token: seats the viewer on the least-loaded stage (SUBSCRIBE) and returns a "
         "sessionToken",
         R"({"type":"object","required":["userId"],"properties":{"userId":{"type":"string"},"stageArn":{"type":"string"}}})",
         R"({"allOf":[{"$ref":"#/components/schemas/ParticipantToken"},{"type":"object","properties":{"sessionToken":{"type":"string"},"sessionId":{"type":"string"},"currentViewers":{"type":"integer"}}}]})"},
        {Verb::post, "/api/token/mediaserver", "tokens",
         "Media-server token (PUBLISH+SUBSCRIBE); needs x-internal-secret",
         R"({"type":"object","required":["serverId","stageArn"],"properties":{"serverId":{"type":"string"},"stageArn":{"type":"string"}}})",
         R"({"$ref":"#/components/schemas/ParticipantToken"})"},
    };
}

// Stages.
std::vector<OperationSpec> StageSpecs() {
    using K = ResponseKind;
    return {
        // Stages
        {Verb::get, "/api/stage/list", "stages", "Managed stages with viewer counts", "",
         R"({"type":"object","required":["stages"],"properties":{"stages":{"type":"array","items":{"type":"object","required":["stageArn"],"properties":{"stageArn":{"type":"string"}}}},"totalStages":{"type":"integer"}}})"},
        {Verb::get, "/api/stage/master/info", "stages", "The master stage", "",
         R"({"type":"object","required":["stage"],"properties":{"stage":{"$ref":"#/components/schemas/IvsStage"},"viewerCount":{"type":"integer"},"isMasterStage":{"type":"boolean"}}})"},
        {Verb::post, "/api/stage", "stages", "Create a stage",
         R"({"type":"object","required":["name"],"properties":{"name":{"type":"string"},"tags":{"type":"object"}}})",
         R"({"type":"object","required":["stage"],"properties":{"stage":{"$ref":"#/components/schemas/IvsStage"}}})",
         K::envelope, 201},
        {Verb::get, "/api/stage/:stageArn", "stages", "One stage with its viewer count", "",
         R"({"type":"object","required":["stage"],"properties":{"stage":{"$ref":"#/components/schemas/IvsStage"},"viewerCount":{"type":"integer"}}})"},
        {Verb::put, "/api/stage/:stageArn", "stages", "Rename a stage",
         R"({"type":"object","properties":{"name":{"type":"string"}}})",
         R"({"type":"object","required":["stage"],"properties":{"stage":{"$ref":"#/components/schemas/IvsStage"}}})"},
        {Verb::delete_, "/api/stage/:stageArn", "stages",
         "Delete an empty stage (never the master)", "",
         R"({"type":"object","required":["stageArn","deleted"],"properties":{"stageArn":{"type":"string"},"deleted":{"type":"boolean"}}})"},
        {Verb::post, "/api/stage/replication/start", "stages",
         "Start participant replication between stages", kReplicationBody, kReplicationAnswer},
        {Verb::delete_, "/api/stage/replication/stop", "stages",
         "Stop participant replication", kReplicationBody, kReplicationAnswer},
        {Verb::get, "/api/stage/replication/status/:stageArn", "stages",
         "Replication state of a stage", "",
         R"({"type":"object","required":["stageArn","hasReplication"],"properties":{"stageArn":{"type":"string"},"hasReplication":{"type":"boolean"}}})"},
        {Verb::get, "/api/stage/replication/publisher-info", "stages",
         "The live publisher, if any", "",
         R"({"type":"object","required":["hasPublisher"],"properties":{"hasPublisher":{"type":"boolean"}}})"},
    };
}

// Viewers, Stats, Events.
std::vector<OperationSpec> ViewerStatsEventSpecs() {
    using K = ResponseKind;
    return {
        // Viewers
        {Verb::post, "/api/viewer/rejoin", "viewers", "Rejoin a stage with an existing token",
         R"({"type":"object","required":["userId","stageArn","participantId"],"properties":{"userId":{"type":"string"},"stageArn":{"type":"string"},"participantId":{"type":"string"}}})",
         R"({"type":"object","required":["userId","stageArn"],"properties":{"currentViewers":{"type":"integer"},"sessionToken":{"type":"string"},"userId":{"type":"string"},"stageArn":{"type":"string"}}})"},
        {Verb::post, "/api/viewer/heartbeat", "viewers", "Viewer heartbeat", kViewerBody,
         R"({"type":"object","required":["userId","stageArn","heartbeatUpdated"],"properties":{"heartbeatUpdated":{"type":"boolean"},"userId":{"type":"string"},"stageArn":{"type":"string"}}})"},
        {Verb::post, "/api/viewer/leave", "viewers", "Viewer leaves", kViewerBody,
         R"({"type":"object","required":["userId","stageArn","viewerLeft"],"properties":{"viewerLeft":{"type":"boolean"},"userId":{"type":"string"},"stageArn":{"type":"string"}}})"},
        {Verb::get, "/api/viewer/list/:stageArn", "viewers", "Viewers of a stage", "",
         R"({"type":"object","required":["stageArn","totalViewers","viewers"],"properties":{"totalViewers":{"type":"integer"},"viewers":{"type":"array"},"stageArn":{"type":"string"}}})"},
        {Verb::get, "/api/viewer/duration", "viewers", "How long a viewer has been watching", "",
         R"({"type":"object","required":["userId","stageArn","watchDurationSeconds"],"properties":{"watchDurationSeconds":{"type":"integer"},"watchDurationFormatted":{"type":"string"},"userId":{"type":"string"},"stageArn":{"type":"string"}}})",
         K::envelope, 200, "userId:string:required,stageArn:string:required"},
        {Verb::get, "/api/viewer/history/:userId", "viewers", "A viewer's past sessions", "",
         R"({"type":"object","required":["userId","history"],"properties":{"totalRecords":{"type":"integer"},"history":{"type":"array","items":{"type":"object"}},"userId":{"type":"string"}}})",
         K::envelope, 200, "limit:integer,cursor:string"},
        {Verb::get, "/api/viewer/stats/:stageArn", "viewers", "Aggregate viewing stats of a stage",
         "", R"({"type":"object","required":["stageArn","days"],"properties":{"days":{"type":"integer"},"stats":{"type":"object"},"stageArn":{"type":"string"}}})",
         K::envelope, 200, "days:integer"},

        // Stats
        {Verb::get, "/api/stats", "stats", "Live totals and per-stage counts", "",
         R"({"type":"object","required":["totalViewers","activeStages","isPublisherLive","stages"],"properties":{"totalViewers":{"type":"integer"},"activeStages":{"type":"integer"},"isPublisherLive":{"type":"boolean"},"stages":{"type":"array","items":{"$ref":"#/components/schemas/StageStats"}}}})"},
        {Verb::get, "/api/stats/viewers", "stats", "Total viewers now", "",
         R"({"type":"object","required":["totalViewers"],"properties":{"totalViewers":{"type":"integer"}}})"},
        {Verb::get, "/api/stats/stages", "stats", "Per-stage counts (or one stage with ?arn=)", "",
         R"({"anyOf":[{"type":"object","required":["totalStages","stages"],"properties":{"totalStages":{"type":"integer"},"stages":{"type":"array","items":{"$ref":"#/components/schemas/StageStats"}}}},{"type":"object","required":["stageArn","viewerCount","stageInfo"],"properties":{"stageArn":{"type":"string"},"viewerCount":{"type":"integer"},"stageInfo":{"type":["object","null"]}}}]})",
         K::envelope, 200, "arn:string"},
        {Verb::get, "/api/stats/stages/:stageId", "stats", "One stage by short id", "",
         R"({"type":"object","required":["stageArn","viewerCount"],"properties":{"viewerCount":{"type":"integer"},"stageArn":{"type":"string"}}})"},
        {Verb::get, "/api/stats/publisher", "stats", "Whether the publisher is live", "",
         R"({"type":"object","required":["isPublisherLive"],"properties":{"isPublisherLive":{"type":"boolean"}}})"},
        {Verb::get, "/api/stats/timeseries", "stats", "Viewer snapshots over a time range", "",
         R"({"type":"object","required":["stageArn","from","to","stepSeconds","points"],"properties":{"stageArn":{"type":["string","null"]},"from":{"type":"string","format":"date-time"},"to":{"type":"string","format":"date-time"},"stepSeconds":{"type":"integer"},"points":{"type":"array","items":{"type":"object","required":["timestamp","avgViewers","maxViewers","minViewers","samples"],"properties":{"timestamp":{"type":"string","format":"date-time"},"avgViewers":{"type":"number"},"maxViewers":{"type":"integer"},"minViewers":{"type":"integer"},"samples":{"type":"integer"}}}}}})",
         K::envelope, 200, "from:string,to:string,stageArn:string,step:string"},

        // Events
        {Verb::post, "/api/events/ivs", "events",
         "EventBridge \"IVS Stage Update\" events (API destination)", kAnyObject,
         R"({"type":"object","required":["eventId","outcome"],"properties":{"eventId":{},"outcome":{"type":"string"}}})"},
    };
}

}  // namespace

const std::vector<OperationSpec>& OperationSpecs() {
    static const std::vector<OperationSpec> kSpecs = [] {
        std::vector<OperationSpec> all;
        for (auto group : {SystemAndTokenSpecs(), StageSpecs(), ViewerStatsEventSpecs()}) {
            all.insert(all.end(), group.begin(), group.end());
        }
        return all;
    }();
    return kSpecs;
}

}  // namespace ivs::http
