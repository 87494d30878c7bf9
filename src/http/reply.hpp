#pragma once

#include <boost/beast/http/status.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace ivs::http {

using HttpStatus = boost::beast::http::status;

// What a handler answers. The server adds the common headers (request id, CORS, security,
// rate limit) on the way out.
struct Reply {
    HttpStatus status = HttpStatus::ok;
    // A literal or another string that outlives the reply; empty: no Content-Type header.
    std::string_view content_type = "application/json; charset=utf-8";
    std::string body;
    // Names are literals (a view, not a copy per reply); values are the reply's own.
    std::vector<std::pair<std::string_view, std::string>> headers;
    // Headers every reply carries (the security headers), owned by the pipeline, not copied.
    const std::vector<std::pair<std::string, std::string>>* shared_headers = nullptr;
    bool close = false;  // ask the server to close the connection after this reply

    // `name` must outlive the reply: a literal.
    Reply& Header(std::string_view name, std::string value) {
        headers.emplace_back(name, std::move(value));
        return *this;
    }
};

// {"success":true,"data":...,"timestamp":...,"message"?:...}
Reply EnvelopeOk(boost::json::value data, HttpStatus status = HttpStatus::ok, std::string message = {});
// The same envelope around `data_json`, data already written as JSON text (hot answers).
Reply EnvelopeOkText(std::string_view data_json, HttpStatus status = HttpStatus::ok,
                     std::string_view message = {});
// {"success":false,"error":{"code","message","details"?},"timestamp"}; status from the Errc.
Reply EnvelopeError(const Error& error);
// Any JSON document, no envelope (service info, OpenAPI).
Reply RawJson(const boost::json::value& doc, HttpStatus status = HttpStatus::ok);
// `content_type` must outlive the reply (a literal, a table of the binary's assets).
Reply Text(std::string body, std::string_view content_type, HttpStatus status = HttpStatus::ok);

// Storage for the JSON of one reply, built where the reply is: values made with storage()
// allocate from a buffer inside this object (its first 2 KiB, then from the heap), all freed
// when it ends. Keep such values no longer than the JsonScratch.
struct JsonScratch {
    boost::json::storage_ptr storage() { return &resource; }

    std::array<unsigned char, 2048> buffer;
    boost::json::monotonic_resource resource{buffer.data(), buffer.size()};
};

// Success envelope or error envelope.
template <class T>
Reply ToReply(const Result<T>& r, HttpStatus ok_status = HttpStatus::ok) {
    if (!r) return EnvelopeError(r.error());
    return EnvelopeOk(boost::json::value_from(*r), ok_status);
}

}  // namespace ivs::http
