#pragma once

namespace ivs {

// The I/O thread a piece of code runs on: 0 for the main thread (and any thread that is not an
// I/O thread), 1..n-1 for the further I/O threads ("lanes"). Lets a component keep one of
// something per I/O thread (a Redis connection, a batch) so a request never leaves its thread.
int CurrentLane();
void SetCurrentLane(int lane);

}  // namespace ivs
