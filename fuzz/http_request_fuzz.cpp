// The HTTP request path: Beast's parser with the server's limits and framing rules, then the
// pipeline (router, authentication, rate limiter, query and JSON body reader) and the handlers
// of the system routes and a JSON echo route.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>

#include "app/adapter_options.hpp"
#include "core/clock.hpp"
#include "fuzz_input.hpp"
#include "http/auth.hpp"
#include "http/handlers/system_handlers.hpp"
#include "http/pipeline.hpp"
#include "http/rate_limiter.hpp"
#include "http/router.hpp"

namespace {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace ivs;

struct Rig {
    Config config;
    http::Router router;
    std::unique_ptr<http::Authenticator> auth;
    std::unique_ptr<http::RateLimiter> limiter;
    std::unique_ptr<http::Pipeline> pipeline;

    Rig() {
        config.api_keys = {{"default", Scope::admin, "fuzz-admin-key-0001", 0},
                           {"reader", Scope::read, "fuzz-read-key-00001", 0}};
        config.rate_limit_max_requests = 1 << 30;
        auth = std::make_unique<http::Authenticator>(AuthOptionsOf(config));
        limiter = http::MakeMemoryRateLimiter(SystemClock::Instance());
        router.Add(
            http::Verb::post, "/api/echo/:id",
            [](http::RequestContext& ctx) -> asio::awaitable<http::Reply> {
                boost::json::object o = ctx.body;
                o["id"] = ctx.Param("id");
                for (const auto& [k, v] : ctx.query) o[k] = v;
                co_return http::EnvelopeOk(std::move(o));
            },
            {http::Access::app, false, "echo"});
        http::RegisterSystemRoutes(router, SystemOptionsOf(config), {});
        pipeline = std::make_unique<http::Pipeline>(PipelineOptionsOf(config), router, *auth, *limiter);
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Rig rig;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(rig.config.max_header_bytes));
    parser.body_limit(rig.config.max_body_bytes);
    parser.eager(true);
    boost::system::error_code ec;
    auto text = fuzz::AsText(data, size);
    parser.put(asio::buffer(text.data(), text.size()), ec);
    if (!ec && !parser.is_done()) parser.put_eof(ec);
    if (ec || !parser.is_done()) {
        (void)rig.pipeline->Reject(parser.get(), "127.0.0.1", Error(Errc::invalid_argument, "x"));
        return 0;
    }
    http::Request req = parser.release();
    asio::io_context ioc;
    asio::co_spawn(ioc, rig.pipeline->Handle(req, "127.0.0.1"), [](std::exception_ptr e, http::Reply) {
        if (e) std::rethrow_exception(e);
    });
    ioc.run();
    return 0;
}
