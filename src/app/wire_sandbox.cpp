#include <spdlog/spdlog.h>

#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/event_delivery.hpp"
#include "app/app_context.hpp"
#include "domain/publisher/publisher_tracker.hpp"

namespace ivs {

// Embedded mode: the emulator's EventBridge events go straight to the server's event path
// (what POST /api/events/ivs does with events from an EventBridge API destination), in order
// and retried while the hot store is unavailable.
void WireSandbox(AppContext& ctx) {
    auto emu = ctx.ivs_emulator;
    auto tracker = ctx.publisher_tracker;
    if (!emu || !tracker) return;
    using Outcome = emulator::EventDelivery::Outcome;
    auto deliver = [tracker](const boost::json::object& event) -> boost::asio::awaitable<Outcome> {
        auto handled = co_await tracker->HandleEvent(event);
        if (handled) co_return Outcome::delivered;
        if (handled.error().code == Errc::invalid_argument) {
            spdlog::warn("IVS emulator event refused: {}", handled.error().message);
            co_return Outcome::rejected;
        }
        co_return Outcome::retry;
    };
    auto delivery = std::make_shared<emulator::EventDelivery>(
        ctx.ioc.get_executor(), deliver, emulator::EventDelivery::Options{});
    emu->SetEventSink([delivery](boost::json::object e) { delivery->Push(std::move(e)); });
    ctx.on_start.push_back([delivery] { delivery->Start(); });
    ctx.on_stop.push_back([emu, delivery]() -> boost::asio::awaitable<void> {
        emu->SetEventSink(nullptr);
        co_await delivery->Stop();
    });
}

}  // namespace ivs
