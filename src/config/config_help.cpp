#include <sstream>

#include "config/config.hpp"

namespace ivs {

std::string ConfigHelpText() {
    std::ostringstream out;
    out << "ivs-server " IVS_VERSION " - live-streaming backend for Amazon IVS Real-Time\n\n"
           "Usage:\n"
           "  ivs-server                 serve the API (configuration from the environment and .env)\n"
           "  ivs-server check-config    validate the configuration and exit\n"
           "  ivs-server check-config --probe\n"
           "                             also connect to Redis, PostgreSQL and the IVS endpoint\n"
           "  ivs-server migrate         apply history-store migrations and exit\n"
           "  ivs-server emulator --port N\n"
           "                             run the IVS Real-Time emulator alone (AWS wire protocol)\n"
           "  ivs-server simulate publisher --url URL --api-key KEY [--user-id ID]\n"
           "                             publish to the master stage through WHIP until stopped\n"
           "  ivs-server simulate viewers --count N --url URL --api-key KEY\n"
           "                             seat N viewers that heartbeat until stopped, then leave\n"
           "  ivs-server --help          this text\n\n"
           "Examples, one per mode:\n"
           "  embedded (memory, SQLite, built-in emulator; nothing else to run):\n"
           "    API_SECRET_KEY=change-me ivs-server\n"
           "  scale-out (shared Redis and PostgreSQL, real IVS):\n"
           "    REDIS_HOST=redis DB_HOST=db DB_PASSWORD=... MASTER_STAGE_ARN=arn:... "
           "AWS_REGION=us-east-1 ivs-server\n"
           "  against a standalone emulator:\n"
           "    ivs-server emulator --port 4566 &\n"
           "    IVS_ENDPOINT=http://127.0.0.1:4566 MASTER_STAGE_ARN=arn:... ivs-server\n\n"
           "Environment variables by section (default in brackets):\n";
    std::string section;
    for (const auto& v : DescribeConfig()) {
        if (v.section != section) {
            section = v.section;
            out << "\n" << section << ":\n";
        }
        out << "  " << v.name << " [" << v.default_text << "]" << (v.secret ? " (secret)" : "")
            << "\n      " << v.help << "\n";
    }
    return out.str();
}

}  // namespace ivs
