#include "app/app_context.hpp"

namespace ivs {

void WireIvs(AppContext& ctx) { (void)ctx; }

}  // namespace ivs
