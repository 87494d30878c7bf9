#pragma once

#include <functional>
#include <string>

#include "metrics/registry.hpp"

namespace ivs::metrics {

// Registers the standard process_* families (CPU seconds, resident and virtual memory, open
// and maximum descriptors, start time; read from /proc on Linux) and `<prefix>build_info`
// {version} = 1, and returns the collector that refreshes the process values; call it before
// each scrape. The collector is thread-safe.
std::function<void()> RegisterProcessMetrics(Registry& registry, const std::string& prefix,
                                             const std::string& version);

}  // namespace ivs::metrics
