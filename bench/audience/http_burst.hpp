#pragma once

#include <boost/json/object.hpp>

#include <string>

namespace ivs::bench {

struct BurstOptions {
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    std::string api_key;
    int joins = 10000;
    int concurrency = 32;
};

// Sends `joins` POST /api/token/viewer (distinct users) over `concurrency` keep-alive
// connections, then reads /api/stats; the same client also times GET /health as a reference.
boost::json::object RunJoinBurst(const BurstOptions& options);

}  // namespace ivs::bench
