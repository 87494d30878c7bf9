#pragma once

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <string>

namespace ivs {

// Completion handler for a background loop started with co_spawn: keeps `owner` alive until the
// loop ends, then clears `running` and logs the exception that ended it, if any.
std::function<void(std::exception_ptr)> OnLoopExit(std::shared_ptr<void> owner,
                                                   std::atomic<bool>& running, std::string name);

}  // namespace ivs
