#pragma once

#include <span>
#include <string_view>

namespace ivs::ws {

// A file of the dashboard (web/), embedded into the binary at build time.
struct EmbeddedAsset {
    std::string_view path;  // relative to web/, e.g. "dashboard.js"
    std::string_view content_type;
    std::string_view body;
};

// Every embedded dashboard file. Immutable; safe from any thread.
std::span<const EmbeddedAsset> DashboardAssets();

}  // namespace ivs::ws
