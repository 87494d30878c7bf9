#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "http/auth.hpp"
#include "http/server.hpp"
#include "ws/hub.hpp"
#include "ws/live_feed.hpp"

namespace ivs::ws {

// Decides whether an upgrade request may become a WebSocket, before any upgrade happens:
//  - Origin (when present, i.e. a browser) must be in CORS_ORIGINS ("*" allows any) or be the
//    server's own origin (the dashboard); otherwise 403 FORBIDDEN.
//  - Credentials: `x-api-key` header, `Authorization: Bearer <sessionToken>`, or
//    `?token=<sessionToken or API key>` (browsers cannot set headers on a WebSocket). Without
//    valid credentials: 401 UNAUTHORIZED. With NODE_ENV=development anonymous clients are
//    allowed (the dashboard then asks for no key).
//  - WS_MAX_CONNECTIONS: 503 SERVICE_UNAVAILABLE when full.
// Refusals are ordinary HTTP responses with the error envelope.
// CORS_ORIGINS, NODE_ENV, WS_QUEUE_LIMIT, WS_PING_SECONDS.
struct EndpointOptions {
    std::vector<std::string> cors_origins;
    bool development = false;  // anonymous clients allowed
    int queue_limit = 0;
    int ping_seconds = 0;
};

struct EndpointDeps {
    EndpointOptions options;
    const http::Authenticator& auth;
    const Clock& clock;
    std::shared_ptr<Hub> hub;
    std::shared_ptr<LiveFeed> feed;  // may be null
};

http::UpgradeHandler MakeUpgradeHandler(EndpointDeps deps);

}  // namespace ivs::ws
