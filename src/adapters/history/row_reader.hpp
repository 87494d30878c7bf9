#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "core/clock.hpp"

namespace ivs::adapters::history {

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

// One column of a result row into `out`, converted by the type of `out`. `Row` reads a column
// with IsNull(col), Int(col), Double(col), Text(col) and Bool(col). Times are stored as Unix
// milliseconds; an optional is left empty for NULL.
template <class Row, class T>
void ReadColumn(const Row& row, int col, T& out) {
    if constexpr (IsOptional<T>::value) {
        out.reset();
        if (row.IsNull(col)) return;
        typename T::value_type value{};
        ReadColumn(row, col, value);
        out = std::move(value);
    } else if constexpr (std::is_same_v<T, std::string>) {
        out = row.Text(col);
    } else if constexpr (std::is_same_v<T, SystemTime>) {
        out = FromUnixMillis(row.Int(col));
    } else if constexpr (std::is_same_v<T, bool>) {
        out = row.Bool(col);
    } else if constexpr (std::is_floating_point_v<T>) {
        out = row.Double(col);
    } else {
        static_assert(std::is_integral_v<T>, "no column conversion for this field type");
        out = static_cast<T>(row.Int(col));
    }
}

// Reads the columns of one result row, from column 0 on, into `fields` in order: the field list
// mirrors the SELECT list, so the two are checked side by side instead of by column numbers.
template <class Row, class... Fields>
void ReadColumns(const Row& row, Fields&... fields) {
    int col = 0;
    (ReadColumn(row, col++, fields), ...);
}

}  // namespace ivs::adapters::history
