#pragma once

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace ivs::http {

// A dependency the health endpoint reports on: its name in `services`, the adapter in use
// and a probe. Probes run concurrently, each under a deadline.
struct DependencyCheck {
    std::string name;     // "hotStore", "historyStore", "ivs"
    std::string adapter;  // "memory", "redis", "sqlite", "postgres", "emulator", "aws"
    std::function<boost::asio::awaitable<Status>()> probe;
};

}  // namespace ivs::http
