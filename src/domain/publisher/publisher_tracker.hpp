#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "domain/stages/stage_directory.hpp"
#include "ports/event_bus.hpp"
#include "ports/hot_store.hpp"
#include "ports/ivs_client.hpp"

namespace ivs::publisher {

// How an EventBridge event was handled.
enum class EventOutcome { applied, duplicate, ignored };
std::string_view EventOutcomeName(EventOutcome o);

// Whether the publisher is live, from IVS truth: EventBridge "IVS Stage Update" events for the
// master stage and a poll of the master's published participants. The state lives in the hot
// store (shared by every instance); changes emit LiveEvents publisher_live / publisher_offline
// and call `on_change` (used to reconcile fan-out at once). Thread-safe.
class PublisherTracker {
public:
    PublisherTracker(std::shared_ptr<ports::IvsClient> ivs, std::shared_ptr<ports::HotStore> hot,
                     std::shared_ptr<stages::StageDirectory> directory,
                     std::shared_ptr<ports::EventBus> events, Clock& clock,
                     std::function<void()> on_change = {})
        : ivs_(std::move(ivs)),
          hot_(std::move(hot)),
          directory_(std::move(directory)),
          events_(std::move(events)),
          clock_(clock),
          on_change_(std::move(on_change)) {}

    // One EventBridge event as an API destination posts it. Idempotent by event `id` (a repeat
    // is `duplicate`); events of other types, other stages or unknown names are `ignored`;
    // an event older than the current state is ignored too (EventBridge may reorder).
    // Errors: invalid_argument (not an event: no id / detail-type), unavailable (hot store).
    boost::asio::awaitable<Result<EventOutcome>> HandleEvent(const boost::json::object& event);

    // Asks IVS who publishes in the master's active session now and records it. A poll that
    // contradicts a state set by an event (live vs offline, or another participant) is applied
    // only when the next poll says the same (two polls in a row), so a list that lags the
    // events does not flip the broadcast; a state set by polls follows each poll. Errors: those
    // of IVS or the hot store; the state is left unchanged on error.
    boost::asio::awaitable<Status> Poll();

    boost::asio::awaitable<Result<std::optional<ports::PublisherState>>> Current();

private:
    boost::asio::awaitable<Status> GoLive(std::string participant_id, std::string user_id,
                                          SystemTime at, std::string source);
    boost::asio::awaitable<Status> GoOffline(std::string participant_id, SystemTime at,
                                             std::string source);
    void Changed(const ports::PublisherState& state);
    boost::asio::awaitable<bool> PollMayApply(bool live, std::string participant_id);

    std::shared_ptr<ports::IvsClient> ivs_;
    std::shared_ptr<ports::HotStore> hot_;
    std::shared_ptr<stages::StageDirectory> directory_;
    std::shared_ptr<ports::EventBus> events_;
    Clock& clock_;
    std::function<void()> on_change_;
    std::atomic<int> contradicting_polls_{0};
};

}  // namespace ivs::publisher
