#pragma once

#include <atomic>
#include <exception>
#include <string>

namespace ivs {

// Clears `running` and logs the exception that ended the loop `name`, if any.
void LoopExited(std::atomic<bool>& running, const std::string& name, std::exception_ptr e);

}  // namespace ivs
