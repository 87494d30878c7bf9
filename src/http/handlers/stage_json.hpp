#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "core/error.hpp"
#include "ports/hot_store.hpp"
#include "ports/ivs_client.hpp"

namespace ivs::http::stage_json {

// The IVS Stage object as IVS returned it (raw), or built from the typed fields.
boost::json::object Stage(const ports::Stage& stage);
// One managed stage in lists: stageArn, name, viewerCount, autoScaled, createdAt, state,
// isMasterStage, tags.
boost::json::object Record(const ports::StageRecord& r, const ports::Tags& tags);
boost::json::object Tags(const ports::Tags& tags);
// An IVS failure as a client-facing error: not_found -> "Stage not found", validation keeps
// its message, the rest -> unavailable without upstream text.
Error FromIvs(const Error& e, std::string_view what);

// Reads an optional string field; invalid (wrong type or fails `valid`) adds to `invalid`.
std::optional<std::string> OptionalString(const boost::json::object& body, std::string_view name,
                                          bool (*valid)(std::string_view),
                                          std::vector<std::string>& invalid);

}  // namespace ivs::http::stage_json
