#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"

namespace ivs::adapters::history {

// Thrown inside the store threads and turned into a Result at the port boundary.
class DbError : public std::runtime_error {
public:
    DbError(Errc code, const std::string& what) : std::runtime_error(what), code_(code) {}
    Errc code() const { return code_; }

private:
    Errc code_;
};

// Position after the last row of a history page (rows are ordered by joined_at, id).
struct HistoryCursor {
    std::int64_t joined_at_ms = 0;
    std::int64_t id = 0;
};

std::string EncodeCursor(const HistoryCursor& c);
// nullopt for anything a previous page did not produce.
std::optional<HistoryCursor> DecodeCursor(const std::string& text);

// The client-facing error for a failure inside a store thread; logs the driver text.
Error StoreError(std::string_view store, std::string_view operation, const std::exception& e);

// Runs `f` (returning Result<T>) in a store thread; an exception from the driver becomes the
// StoreError of `operation` on `store`.
template <class T, class F>
Result<T> GuardedCall(std::string_view store, std::string_view operation, F&& f) {
    try {
        return f();
    } catch (const std::exception& e) {
        return StoreError(store, operation, e);
    }
}

}  // namespace ivs::adapters::history
