#pragma once

#include <string>

namespace ivs {

// Returns the secret stored in `dir/name`, creating it (random, `bytes` long, hex, mode 0600)
// when absent. Throws std::runtime_error when the file cannot be read or written.
std::string LoadOrCreateSecret(const std::string& dir, const std::string& name, std::size_t bytes);

// Creates `dir` (and parents) when missing. Throws on failure.
void EnsureDirectory(const std::string& dir);

}  // namespace ivs
