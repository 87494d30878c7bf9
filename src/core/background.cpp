#include "core/background.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace ivs {

void LoopExited(std::atomic<bool>& running, const std::string& name, std::exception_ptr e) {
    running = false;
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        spdlog::error("{} stopped: {}", name, ex.what());
    }
}

}  // namespace ivs
