#include "core/error.hpp"

#include <boost/json/array.hpp>

#include <stdexcept>

namespace ivs {
namespace {

boost::json::array ToArray(const std::vector<std::string>& fields) {
    boost::json::array a;
    for (const auto& f : fields) a.emplace_back(f);
    return a;
}

std::string Join(const std::vector<std::string>& fields) {
    std::string out;
    for (const auto& f : fields) {
        if (!out.empty()) out += ", ";
        out += f;
    }
    return out;
}

}  // namespace

Error MissingFields(std::vector<std::string> fields, std::string message) {
    if (message.empty()) message = "Missing required field(s): " + Join(fields);
    boost::json::object details;
    details["missingFields"] = ToArray(fields);
    return Error(Errc::invalid_argument, std::move(message), std::move(details));
}

Error InvalidFields(std::vector<std::string> fields, std::string message) {
    if (message.empty()) message = "Invalid field(s): " + Join(fields);
    boost::json::object details;
    details["invalidFields"] = ToArray(fields);
    return Error(Errc::invalid_argument, std::move(message), std::move(details));
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
    throw std::runtime_error(std::string(ErrcName(e.code)) + ": " + e.message);
}

}  // namespace ivs
