#include "http/reply.hpp"

#include "core/json_text.hpp"

#include "core/time_format.hpp"
#include "http/error_mapping.hpp"

namespace ivs::http {

Reply EnvelopeOk(boost::json::value data, HttpStatus status, std::string message) {
    boost::json::object o;
    o["success"] = true;
    o["data"] = std::move(data);
    o["timestamp"] = FormatIso8601Millis(std::chrono::system_clock::now());
    if (!message.empty()) o["message"] = std::move(message);
    Reply r;
    r.status = status;
    r.body = SerializeJson(o);
    return r;
}

Reply EnvelopeError(const Error& error) {
    HttpError mapped = MapError(error.code);
    boost::json::object err;
    err["code"] = mapped.code;
    err["message"] = error.message.empty() ? std::string(ErrcName(error.code)) : error.message;
    if (!error.details.empty()) err["details"] = error.details;
    boost::json::object o;
    o["success"] = false;
    o["error"] = std::move(err);
    o["timestamp"] = FormatIso8601Millis(std::chrono::system_clock::now());
    Reply r;
    r.status = mapped.status;
    r.body = SerializeJson(o);
    if (error.retry_after_seconds > 0) {
        r.Header("Retry-After", std::to_string(error.retry_after_seconds));
    }
    return r;
}

Reply RawJson(const boost::json::value& doc, HttpStatus status) {
    Reply r;
    r.status = status;
    r.body = SerializeJson(doc);
    return r;
}

Reply Text(std::string body, std::string content_type, HttpStatus status) {
    Reply r;
    r.status = status;
    r.body = std::move(body);
    r.content_type = std::move(content_type);
    return r;
}

}  // namespace ivs::http
