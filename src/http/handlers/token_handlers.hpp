#pragma once

#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "domain/audience/audience_service.hpp"
#include "http/request_context.hpp"
#include "http/router.hpp"

namespace ivs::http {

// POST /api/token/publisher (admin), /api/token/viewer (app), /api/token/mediaserver (app plus
// x-internal-secret; always 403 when INTERNAL_SECRET is unset).
void RegisterTokenRoutes(Router& router, std::shared_ptr<audience::AudienceService> audience,
                         std::string internal_secret);

// Reads fields of a JSON body or query for the audience handlers, collecting what is missing
// (absent, null or empty) and what is invalid (wrong type or format), in the order asked.
class FieldReader {
public:
    explicit FieldReader(const boost::json::object& body) : body_(&body) {}
    explicit FieldReader(const std::map<std::string, std::string, std::less<>>& query)
        : query_(&query) {}

    // A string field; `valid` checks its format. Empty when missing or invalid.
    std::string Required(const std::string& name, bool (*valid)(std::string_view));
    std::string Optional(const std::string& name, bool (*valid)(std::string_view));

    // VALIDATION_ERROR naming the missing fields (first) or the invalid ones.
    std::optional<Error> Problem() const;

private:
    std::optional<std::string> Read(const std::string& name, bool required,
                                    bool (*valid)(std::string_view));

    const boost::json::object* body_ = nullptr;
    const std::map<std::string, std::string, std::less<>>* query_ = nullptr;
    std::vector<std::string> missing_;
    std::vector<std::string> invalid_;
};

audience::ClientInfo ClientOf(const RequestContext& ctx);
boost::json::array CapabilityNames(const std::vector<ports::Capability>& caps);

}  // namespace ivs::http
