#include "http/reply.hpp"

#include "core/json_text.hpp"

#include "core/time_format.hpp"
#include "http/error_mapping.hpp"

namespace ivs::http {

namespace {

// The envelope is written as text around the data, which `write_data` appends: the same bytes
// as an object {"success","data","timestamp","message"?} serialized whole, without building it.
template <class WriteData>
Reply Envelope(HttpStatus status, std::string_view message, std::size_t size_hint,
               WriteData&& write_data) {
    Reply r;
    r.status = status;
    std::string& out = r.body;
    out.reserve(size_hint + 96 + message.size());
    out.append(R"({"success":true,"data":)");
    write_data(out);  // straight into the body: no separate payload string to copy
    out.append(R"(,"timestamp":")");
    AppendIso8601Millis(out, std::chrono::system_clock::now());
    out.push_back('"');
    if (!message.empty()) {
        out.append(R"(,"message":)");
        AppendJsonString(out, message);
    }
    out.push_back('}');
    return r;
}

}  // namespace

Reply EnvelopeOk(boost::json::value data, HttpStatus status, std::string message) {
    return Envelope(status, message, 160, [&](std::string& out) { AppendJson(out, data); });
}

Reply EnvelopeOkText(std::string_view data_json, HttpStatus status, std::string_view message) {
    return Envelope(status, message, data_json.size(),
                    [&](std::string& out) { out.append(data_json); });
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

Reply Text(std::string body, std::string_view content_type, HttpStatus status) {
    Reply r;
    r.status = status;
    r.body = std::move(body);
    r.content_type = content_type;
    return r;
}

}  // namespace ivs::http
