#include "app/app_context.hpp"

namespace ivs {

void WireHistory(AppContext& ctx) { (void)ctx; }

}  // namespace ivs
