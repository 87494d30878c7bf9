#pragma once

#include <boost/json/object.hpp>

#include "ports/ivs_client.hpp"

namespace ivs::emulator {

// The AWS restJson1 shapes of the IVS Real-Time model for the port's types. Timestamps are
// RFC 3339 strings with milliseconds ("2026-01-02T03:04:05.678Z"). Pure functions.
boost::json::object TagsToJson(const ports::Tags& tags);
boost::json::object StageToJson(const ports::Stage& stage);  // without `raw`
boost::json::object StageSummaryToJson(const ports::StageSummary& stage);
boost::json::object ParticipantTokenToJson(const ports::ParticipantToken& token);
boost::json::object ParticipantSummaryToJson(const ports::ParticipantSummary& p);
boost::json::object StageSessionToJson(const ports::StageSession& s);
boost::json::object ReplicaToJson(const ports::ParticipantReplica& r);
boost::json::object PublicKeyToJson(const ports::PublicKey& key);
boost::json::object PublicKeySummaryToJson(const ports::PublicKey& key);

}  // namespace ivs::emulator
