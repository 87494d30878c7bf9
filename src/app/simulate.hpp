#pragma once

// `ivs-server simulate publisher|viewers`: drives the product through its own API and the IVS
// endpoints its tokens name (the embedded emulator, or any IVS-compatible endpoint), for demos,
// tests of the default path and as a load generator. Runs until SIGINT/SIGTERM, then leaves
// cleanly and exits 0.

#include <boost/asio/awaitable.hpp>

namespace ivs::simulate {

class SimClient;
class StopSignal;

// argv after "simulate". Exit status: 0 after a clean stop, 1 when the server refuses for good
// (bad key, invalid user id), 2 on bad arguments.
int RunSimulateCommand(int argc, char** argv);

// The two simulations; each returns the exit status once `stop` is set and it has left.
boost::asio::awaitable<int> RunPublisher(SimClient& client, StopSignal& stop);
boost::asio::awaitable<int> RunViewers(SimClient& client, StopSignal& stop);

}  // namespace ivs::simulate
