#include "app/app_context.hpp"

namespace ivs {

void WireScaleOut(AppContext& ctx) { (void)ctx; }

}  // namespace ivs
