#include "app/app_context.hpp"

namespace ivs {

void WireStages(AppContext& ctx) { (void)ctx; }

}  // namespace ivs
