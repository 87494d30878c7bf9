#include <boost/json.hpp>

#include "app/app_context.hpp"

namespace ivs {

void WireAudience(AppContext& ctx) {
    // Until the audience service exists, /api/stats answers an empty report.
    ctx.router.Add(
        http::Verb::get, "/api/stats",
        [](http::RequestContext&) -> boost::asio::awaitable<http::Reply> {
            boost::json::object data{{"totalViewers", 0},
                                     {"activeStages", 0},
                                     {"isPublisherLive", false},
                                     {"stages", boost::json::array{}}};
            co_return http::EnvelopeOk(std::move(data));
        },
        {http::Access::read, false, "Overall statistics"});
}

}  // namespace ivs
