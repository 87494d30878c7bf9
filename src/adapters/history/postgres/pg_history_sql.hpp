#pragma once
// SQL building blocks shared by the PostgreSQL history store's statements.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "adapters/history/postgres/pg_conn.hpp"
#include "core/clock.hpp"
#include "ports/history_store.hpp"

namespace ivs::adapters::history {

inline constexpr std::size_t kRowsPerStatement = 500;

inline std::string Ms(SystemTime t) { return std::to_string(ToUnixMillis(t)); }
inline std::optional<std::string> TextOrNull(const std::string& s) {
    return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

// "($1,$2::bigint),($3,$4::bigint)" for `rows` rows of the given column casts.
std::string ValuesList(std::size_t rows, const std::vector<std::string>& casts);

// Calls `f` with consecutive slices of at most kRowsPerStatement rows.
template <class T, class F>
void InChunks(const std::vector<T>& all, F&& f) {
    for (std::size_t i = 0; i < all.size(); i += kRowsPerStatement) {
        auto end = std::min(all.size(), i + kRowsPerStatement);
        f(std::vector<T>(all.begin() + static_cast<std::ptrdiff_t>(i),
                         all.begin() + static_cast<std::ptrdiff_t>(end)));
    }
}

// Applies a batch of session events and heartbeats in one transaction.
void ApplyOn(PgConn& c, const ports::HistoryBatch& batch);

}  // namespace ivs::adapters::history
