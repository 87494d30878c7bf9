#include "adapters/history/migrations.hpp"

#include <fmt/format.h>

namespace ivs::adapters::history {

// SQLite keeps instants as INTEGER Unix milliseconds (UTC); PostgreSQL as TIMESTAMPTZ.
const std::vector<Migration>& SqliteMigrations() {
    static const std::vector<Migration> kSteps = {
        {1, "initial schema", R"sql(
CREATE TABLE viewer_sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL,
  stage_arn TEXT NOT NULL,
  participant_id TEXT,
  joined_at INTEGER NOT NULL,
  left_at INTEGER,
  watch_duration_seconds INTEGER,
  last_heartbeat INTEGER NOT NULL,
  end_reason TEXT,
  user_agent TEXT,
  ip_address TEXT,
  country_code TEXT,
  created_at INTEGER NOT NULL
    DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
);
CREATE INDEX idx_vs_user_joined ON viewer_sessions (user_id, joined_at DESC, id DESC);
CREATE INDEX idx_vs_stage_joined ON viewer_sessions (stage_arn, joined_at);
CREATE INDEX idx_vs_joined_at ON viewer_sessions (joined_at);
CREATE INDEX idx_vs_open ON viewer_sessions (last_heartbeat) WHERE left_at IS NULL;

CREATE TABLE viewer_stats_snapshots (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  stage_arn TEXT NOT NULL,
  snapshot_time INTEGER NOT NULL,
  viewer_count INTEGER NOT NULL,
  created_at INTEGER NOT NULL
    DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
);
CREATE INDEX idx_vss_stage_time ON viewer_stats_snapshots (stage_arn, snapshot_time);
CREATE INDEX idx_vss_snapshot_time ON viewer_stats_snapshots (snapshot_time);

CREATE TABLE stages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  stage_arn TEXT NOT NULL UNIQUE,
  stage_name TEXT,
  is_master INTEGER NOT NULL DEFAULT 0,
  auto_scaled INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'active',
  max_viewers INTEGER NOT NULL DEFAULT 50,
  created_at INTEGER NOT NULL,
  draining_since INTEGER,
  deleted_at INTEGER,
  updated_at INTEGER NOT NULL
);
CREATE INDEX idx_stages_live ON stages (stage_arn) WHERE deleted_at IS NULL;
)sql"},
    };
    return kSteps;
}

const std::vector<Migration>& PostgresMigrations() {
    static const std::vector<Migration> kSteps = {
        {1, "initial schema", R"sql(
CREATE FUNCTION ivs_ms_to_ts(ms BIGINT) RETURNS TIMESTAMPTZ LANGUAGE sql IMMUTABLE
  AS $$ SELECT to_timestamp(ms::float8 / 1000) $$;
CREATE FUNCTION ivs_ts_to_ms(t TIMESTAMPTZ) RETURNS BIGINT LANGUAGE sql IMMUTABLE
  AS $$ SELECT (extract(epoch FROM t) * 1000)::bigint $$;

CREATE TABLE viewer_sessions (
  id BIGSERIAL PRIMARY KEY,
  session_id VARCHAR(128) NOT NULL UNIQUE,
  user_id VARCHAR(128) NOT NULL,
  stage_arn VARCHAR(255) NOT NULL,
  participant_id VARCHAR(255),
  joined_at TIMESTAMPTZ NOT NULL,
  left_at TIMESTAMPTZ,
  watch_duration_seconds INTEGER,
  last_heartbeat TIMESTAMPTZ NOT NULL,
  end_reason VARCHAR(32),
  user_agent TEXT,
  ip_address TEXT,
  country_code VARCHAR(2),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT vs_left_after_join CHECK (left_at IS NULL OR left_at >= joined_at),
  CONSTRAINT vs_duration_non_negative CHECK (watch_duration_seconds IS NULL OR watch_duration_seconds >= 0)
);
CREATE INDEX idx_vs_user_joined ON viewer_sessions (user_id, joined_at DESC, id DESC);
CREATE INDEX idx_vs_stage_joined ON viewer_sessions (stage_arn, joined_at);
CREATE INDEX idx_vs_joined_at ON viewer_sessions (joined_at);
CREATE INDEX idx_vs_open ON viewer_sessions (last_heartbeat) WHERE left_at IS NULL;

CREATE TABLE viewer_stats_snapshots (
  id BIGSERIAL PRIMARY KEY,
  stage_arn VARCHAR(255) NOT NULL,
  snapshot_time TIMESTAMPTZ NOT NULL,
  viewer_count INTEGER NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_vss_stage_time ON viewer_stats_snapshots (stage_arn, snapshot_time);
CREATE INDEX idx_vss_snapshot_time ON viewer_stats_snapshots (snapshot_time);

CREATE TABLE stages (
  id BIGSERIAL PRIMARY KEY,
  stage_arn VARCHAR(255) NOT NULL UNIQUE,
  stage_name VARCHAR(128),
  is_master BOOLEAN NOT NULL DEFAULT false,
  auto_scaled BOOLEAN NOT NULL DEFAULT false,
  state VARCHAR(16) NOT NULL DEFAULT 'active',
  max_viewers INTEGER NOT NULL DEFAULT 50,
  created_at TIMESTAMPTZ NOT NULL,
  draining_since TIMESTAMPTZ,
  deleted_at TIMESTAMPTZ,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_stages_live ON stages (stage_arn) WHERE deleted_at IS NULL;
)sql"},
    };
    return kSteps;
}

int LatestSchemaVersion() {
    return static_cast<int>(SqliteMigrations().size());
}

std::string NewerSchemaMessage(int found) {
    return fmt::format(
        "the history database has schema version {} but this ivs-server knows only up to {}: "
        "it was migrated by a newer release; run that release (or a newer one) instead",
        found, LatestSchemaVersion());
}

}  // namespace ivs::adapters::history
