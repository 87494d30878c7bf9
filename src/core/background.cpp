#include "core/background.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace ivs {

std::function<void(std::exception_ptr)> OnLoopExit(std::shared_ptr<void> owner,
                                                   std::atomic<bool>& running, std::string name) {
    return [owner = std::move(owner), &running, name = std::move(name)](std::exception_ptr e) {
        running = false;
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            spdlog::error("{} stopped: {}", name, ex.what());
        }
    };
}

}  // namespace ivs
