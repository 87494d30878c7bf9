#include "core/lane.hpp"

namespace ivs {
namespace {
thread_local int tl_lane = 0;
}

int CurrentLane() { return tl_lane; }
void SetCurrentLane(int lane) { tl_lane = lane; }

}  // namespace ivs
