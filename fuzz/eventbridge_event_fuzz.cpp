// EventBridge events as an API destination posts them to /api/ivs/events: any body, once it is
// JSON, goes through the publisher tracker's event handling against a memory hot store. Bad
// events are refused or ignored; none crashes, and the stored publisher state stays readable.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>

#include <cstdlib>
#include <memory>

#include "adapters/hot_store/memory/memory_hot_store.hpp"
#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_ivs_client.hpp"
#include "adapters/local/local_event_bus.hpp"
#include "core/clock.hpp"
#include "domain/publisher/publisher_tracker.hpp"
#include "domain/stages/stage_directory.hpp"
#include "fuzz_input.hpp"

namespace {

// The master stage's ARN as the seed corpus names it.
constexpr const char* kMasterArn = "arn:aws:ivs:us-east-1:123456789012:stage/FuzzMaster01";

struct Tracker {
    Tracker() {
        ivs::emulator::EmulatorOptions eo;
        eo.clock = &clock;
        auto emu = std::make_shared<ivs::emulator::Emulator>(eo);
        auto client = ivs::emulator::MakeEmulatorIvsClient(emu);
        hot = ivs::adapters::MakeMemoryHotStore(clock);
        auto directory = std::make_shared<ivs::stages::StageDirectory>(client);
        directory->RememberMaster(kMasterArn);
        tracker = std::make_shared<ivs::publisher::PublisherTracker>(
            client, hot, directory, ivs::adapters::MakeLocalEventBus(), clock);
    }

    template <class T>
    T Run(boost::asio::awaitable<T> a) {
        auto f = boost::asio::co_spawn(ioc, std::move(a), boost::asio::use_future);
        ioc.restart();
        ioc.run();
        return f.get();
    }

    ivs::ManualClock clock;
    boost::asio::io_context ioc;
    std::shared_ptr<ivs::ports::HotStore> hot;
    std::shared_ptr<ivs::publisher::PublisherTracker> tracker;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Tracker t;
    boost::system::error_code ec;
    auto value = boost::json::parse(ivs::fuzz::AsText(data, size), ec);
    if (ec || !value.is_object()) return 0;
    t.clock.Advance(std::chrono::seconds(1));
    auto handled = t.Run(t.tracker->HandleEvent(value.get_object()));
    // Something without an id or a detail-type is never applied.
    if (handled && *handled == ivs::publisher::EventOutcome::applied &&
        (!value.get_object().contains("id") || !value.get_object().contains("detail-type"))) {
        std::abort();
    }
    if (!t.Run(t.tracker->Current())) std::abort();  // the memory store never fails
    return 0;
}
