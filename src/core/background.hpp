#pragma once

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <string>

namespace ivs {

// Clears `running` and logs the exception that ended the loop `name`, if any.
void LoopExited(std::atomic<bool>& running, const std::string& name, std::exception_ptr e);

// Completion handler for a background loop started with co_spawn: keeps `owner` alive until the
// loop ends, then clears `running` and logs the exception that ended it, if any.
template <class Owner>
std::function<void(std::exception_ptr)> OnLoopExit(std::shared_ptr<Owner> owner,
                                                   std::atomic<bool>& running, std::string name) {
    return [owner = std::move(owner), &running, name = std::move(name)](std::exception_ptr e) {
        LoopExited(running, name, e);
    };
}

}  // namespace ivs
