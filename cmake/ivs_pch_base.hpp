// Precompiled header of the lower layers (core, ports, domain, config, metrics): Asio, JSON,
// logging and the standard library, and no Boost.Beast, hiredis, libpq or SQLite (see
// cmake/Pch.cmake).
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json.hpp>
#include <boost/system/result.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>
