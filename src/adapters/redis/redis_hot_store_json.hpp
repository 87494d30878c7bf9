#pragma once

#include <optional>
#include <string>

#include "ports/hot_store.hpp"

namespace ivs::adapters::redis {

// The JSON values the Redis hot store keeps for the publisher and replication records.
std::string PublisherToJson(const ports::PublisherState& p);
std::optional<ports::PublisherState> PublisherFromJson(const std::string& text);
std::string ReplicationToJson(const ports::ReplicationRecord& r);
std::optional<ports::ReplicationRecord> ReplicationFromJson(const std::string& text);

}  // namespace ivs::adapters::redis
