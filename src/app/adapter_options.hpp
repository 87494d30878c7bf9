#pragma once

// The adapters' options, read from the configuration: the one place that knows which setting
// feeds which adapter.

#include "adapters/aws/ivs_aws_client.hpp"
#include "adapters/history/history_factory.hpp"
#include "adapters/ivs/emulator_command.hpp"
#include "adapters/redis/redis_client.hpp"
#include "config/config.hpp"
#include "http/options.hpp"
#include "ws/ws_endpoint.hpp"

namespace ivs {

// IVS_ENDPOINT, AWS_REGION, IVS_*_TPS, IVS_MAX_RETRIES, IVS_TIMEOUT_MS.
aws::AwsIvsClientOptions IvsClientOptionsOf(const Config& config);

// REDIS_*.
adapters::redis::RedisOptions RedisOptionsOf(const Config& config);

// DB_* for PostgreSQL.
adapters::history::PgOptions PgOptionsOf(const Config& config);

// COLD_STORE, DATA_DIR and DB_*.
adapters::history::HistoryOptions HistoryOptionsOf(const Config& config);

// AWS_REGION, IVS_EMULATOR_MAX_STAGES, IVS_EMULATOR_ACCESS_KEY_ID / _SECRET_ACCESS_KEY.
emulator::EmulatorCommandOptions EmulatorCommandOptionsOf(const Config& config);

// API_SECRET_KEY, API_KEYS, SKIP_AUTH.
http::AuthOptions AuthOptionsOf(const Config& config);

// CORS_ORIGINS, RATE_LIMIT_*, TRUST_PROXY.
http::PipelineOptions PipelineOptionsOf(const Config& config);

// MAX_BODY_BYTES, MAX_HEADER_BYTES, REQUEST_TIMEOUT_SECONDS, KEEPALIVE_TIMEOUT_SECONDS,
// MAX_CONNECTIONS.
http::ServerOptions ServerOptionsOf(const Config& config);

// NODE_ENV, AWS_REGION, MASTER_STAGE_ARN.
http::SystemOptions SystemOptionsOf(const Config& config);

// NODE_ENV, STAGE_CAPACITY, DRAIN_TIMEOUT_SECONDS.
http::DashboardOptions DashboardOptionsOf(const Config& config);

// CORS_ORIGINS, NODE_ENV, WS_QUEUE_LIMIT, WS_PING_SECONDS.
ws::EndpointOptions WsEndpointOptionsOf(const Config& config);

}  // namespace ivs
