#pragma once

#include <string>
#include <vector>

#include "metrics/registry.hpp"

namespace ivs::metrics {

// Content type of the Prometheus text exposition format 0.0.4.
inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// Renders families in the Prometheus text format 0.0.4 (HELP/TYPE lines, escaped label values,
// histogram _bucket/_sum/_count series). Families without samples are still listed with HELP
// and TYPE. Pure function.
std::string RenderPrometheus(const std::vector<FamilySnapshot>& families);

}  // namespace ivs::metrics
