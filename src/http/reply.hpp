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
    std::string content_type = "application/json; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    // Headers every reply carries (the security headers), owned by the pipeline, not copied.
    const std::vector<std::pair<std::string, std::string>>* shared_headers = nullptr;
    bool close = false;  // ask the server to close the connection after this reply

    Reply& Header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }

    // Calls f(name, value) for this reply's own headers, then the shared ones.
    template <class F>
    void ForEachHeader(F&& f) const {
        for (const auto& [name, value] : headers) f(name, value);
        if (shared_headers) {
            for (const auto& [name, value] : *shared_headers) f(name, value);
        }
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
Reply Text(std::string body, std::string content_type, HttpStatus status = HttpStatus::ok);

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
