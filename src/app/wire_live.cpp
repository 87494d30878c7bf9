#include "app/app_context.hpp"

namespace ivs {

void WireLive(AppContext& ctx) { (void)ctx; }

}  // namespace ivs
