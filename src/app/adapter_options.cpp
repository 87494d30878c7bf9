#include "app/adapter_options.hpp"

#include <algorithm>

namespace ivs {

aws::AwsIvsClientOptions IvsClientOptionsOf(const Config& config) {
    aws::AwsIvsClientOptions o;
    o.endpoint = config.ivs_endpoint;
    o.region = config.aws_region;
    o.stage_tps = config.ivs_stage_tps;
    o.token_tps = config.ivs_token_tps;
    o.max_retries = config.ivs_max_retries;
    o.attempt_timeout = std::chrono::milliseconds(config.ivs_timeout_ms);
    return o;
}

adapters::redis::RedisOptions RedisOptionsOf(const Config& config) {
    adapters::redis::RedisOptions o;
    o.host = config.redis_host;
    o.port = config.redis_port;
    o.password = config.redis_password;
    o.db = config.redis_db;
    o.tls = config.redis_tls;
    o.tls_ca_file = config.redis_tls_ca_file;
    o.key_prefix = config.redis_key_prefix;
    o.command_timeout = std::chrono::milliseconds(config.redis_command_timeout_ms);
    o.connect_timeout = std::max(o.command_timeout, std::chrono::milliseconds(1000));
    o.connections = config.redis_connections;
    return o;
}

adapters::history::PgOptions PgOptionsOf(const Config& config) {
    adapters::history::PgOptions o;
    o.host = config.db_host;
    o.port = config.db_port;
    o.dbname = config.db_name;
    o.user = config.db_user;
    o.password = config.db_password;
    o.ssl = config.db_ssl;
    o.pool_size = config.db_pool_max;
    return o;
}

adapters::history::HistoryOptions HistoryOptionsOf(const Config& config) {
    adapters::history::HistoryOptions o;
    o.postgres = config.cold_store == ColdStoreKind::postgres;
    o.data_dir = config.data_dir;
    o.pg = PgOptionsOf(config);
    return o;
}

emulator::EmulatorCommandOptions EmulatorCommandOptionsOf(const Config& config) {
    emulator::EmulatorCommandOptions o;
    o.emulator.region = config.aws_region;
    o.emulator.max_stages = config.ivs_emulator_max_stages;
    o.server.access_key_id = config.ivs_emulator_access_key_id;
    o.server.secret_access_key = config.ivs_emulator_secret_access_key;
    o.server.region = config.aws_region;
    return o;
}

http::AuthOptions AuthOptionsOf(const Config& config) {
    return {config.api_keys, config.skip_auth};
}

http::PipelineOptions PipelineOptionsOf(const Config& config) {
    return {config.cors_origins, config.rate_limit_window_ms, config.rate_limit_max_requests,
            config.trust_proxy};
}

http::ServerOptions ServerOptionsOf(const Config& config) {
    return {config.max_body_bytes, config.max_header_bytes, config.request_timeout_seconds,
            config.keepalive_timeout_seconds, config.max_connections};
}

http::SystemOptions SystemOptionsOf(const Config& config) {
    return {config.node_env, config.aws_region, !config.master_stage_arn.empty()};
}

http::DashboardOptions DashboardOptionsOf(const Config& config) {
    return {config.IsDevelopment(), config.stage_capacity, config.drain_timeout_seconds};
}

ws::EndpointOptions WsEndpointOptionsOf(const Config& config) {
    return {config.cors_origins, config.IsDevelopment(), config.ws_queue_limit,
            config.ws_ping_seconds};
}

}  // namespace ivs
