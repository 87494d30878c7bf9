#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>

namespace ivs {

// Runs `ioc` like io_context::run(): until it is stopped or runs out of work. While it is busy,
// a thread that finds nothing to do keeps looking for up to `spin` (polling, and giving the core
// to any other thread that wants it) before it sleeps in the kernel. On a virtual machine a
// sleeping core is halted, and waking it for the next request costs more than the request;
// the short wait keeps a busy loop awake between requests. It waits once per wake-up, so an
// idle loop costs nothing. `spin` zero is io_context::run().
void RunEventLoop(boost::asio::io_context& ioc, std::chrono::microseconds spin);

}  // namespace ivs
