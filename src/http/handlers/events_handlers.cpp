#include "http/handlers/events_handlers.hpp"

#include <boost/json.hpp>

namespace ivs::http {
namespace {

namespace json = boost::json;

}  // namespace

void RegisterEventRoutes(Router& router, std::shared_ptr<const StagesApi> api) {
    router.Add(
        Verb::post, "/api/events/ivs",
        [api](RequestContext& ctx) -> boost::asio::awaitable<Reply> {
            auto outcome = co_await api->publisher->HandleEvent(ctx.body);
            if (!outcome) co_return EnvelopeError(outcome.error());
            json::object data{{"eventId", ctx.body.contains("id") ? ctx.body.at("id") : nullptr},
                              {"outcome", publisher::EventOutcomeName(*outcome)}};
            co_return EnvelopeOk(std::move(data));
        },
        RouteOptions{Access::app, false, "EventBridge IVS events (API destination)"});
}

}  // namespace ivs::http
