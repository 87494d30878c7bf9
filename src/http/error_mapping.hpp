#pragma once

#include <boost/beast/http/status.hpp>

#include <string_view>

#include "core/errc.hpp"

namespace ivs::http {

// The one place where the project's error conditions become HTTP statuses and API error codes.
struct HttpError {
    boost::beast::http::status status;
    std::string_view code;
};

HttpError MapError(Errc e) noexcept;

}  // namespace ivs::http
