#pragma once

#include <utility>

#include "http/router.hpp"

namespace ivs::http {

// A route handler that answers with `handler(service, ctx)`: the route keeps its own copy of
// the service handle (a shared_ptr), so the service lives as long as the router.
template <class Service, class F>
Handler BindService(Service service, F handler) {
    return [service = std::move(service), handler](RequestContext& ctx) {
        return handler(service, ctx);
    };
}

}  // namespace ivs::http
