#pragma once

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "core/errc.hpp"

namespace ivs {

// An expected failure: a condition, an English message meant for API clients, and optional
// structured details (never secrets or upstream stack text). `retry_after_seconds` > 0 asks the
// HTTP layer to send Retry-After.
struct Error {
    Errc code = Errc::internal;
    std::string message;
    boost::json::object details;
    int retry_after_seconds = 0;

    Error() = default;
    Error(Errc c, std::string msg) : code(c), message(std::move(msg)) {}
    Error(Errc c, std::string msg, boost::json::object d)
        : code(c), message(std::move(msg)), details(std::move(d)) {}

    Error&& WithRetryAfter(int seconds) && {
        retry_after_seconds = seconds;
        return std::move(*this);
    }
};

// Validation error naming the missing fields (details.missingFields).
Error MissingFields(std::vector<std::string> fields, std::string message = {});
// Validation error naming the invalid fields (details.invalidFields).
Error InvalidFields(std::vector<std::string> fields, std::string message = {});

[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

using Status = Result<void>;

inline Status Ok() { return {}; }

}  // namespace ivs
