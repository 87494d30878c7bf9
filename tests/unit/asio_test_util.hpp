#pragma once

// Running an awaitable to completion on a single-threaded io_context, from the test thread.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <utility>

namespace ivs::test {

// Spawns `a` on `ioc`, runs `ioc` until it has no more work and returns what `a` returned.
template <class T>
T Sync(boost::asio::io_context& ioc, boost::asio::awaitable<T> a) {
    auto f = boost::asio::co_spawn(ioc, std::move(a), boost::asio::use_future);
    ioc.restart();
    ioc.run();
    return f.get();
}

}  // namespace ivs::test
