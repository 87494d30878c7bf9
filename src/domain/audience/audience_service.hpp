#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "domain/audience/seat_supply.hpp"
#include "domain/audience/session_token.hpp"
#include "ports/audience_stats.hpp"
#include "ports/event_bus.hpp"
#include "ports/hot_store.hpp"
#include "ports/ivs_client.hpp"
#include "ports/session_events.hpp"
#include "ports/token_signer.hpp"

namespace ivs::audience {

struct AudienceOptions {
    int stage_capacity = 50;
    int scale_up_threshold = 45;
    int heartbeat_interval_seconds = 30;
    int heartbeat_timeout_seconds = 60;
    int seat_wait_seconds = 10;
    int viewer_token_ttl_minutes = 60;
    int publisher_token_ttl_minutes = 240;
    int mediaserver_token_ttl_minutes = 240;
    bool require_live_publisher = true;
    std::string master_stage_arn;  // configured master; the registry's master wins
    std::string default_whip_endpoint = "https://global.whip.live-video.net";
};

struct AudienceDeps {
    std::shared_ptr<ports::HotStore> hot_store;                // required
    std::shared_ptr<ports::TokenSigner> token_signer;          // null: token calls fail
    std::shared_ptr<ports::IvsClient> ivs;                     // optional (WHIP endpoint)
    std::shared_ptr<ports::SessionEventSink> session_events;  // optional
    std::shared_ptr<ports::EventBus> event_bus;                // optional
    // The autoscaler's "tick now" (a join reached the scale-up threshold); optional.
    std::function<void()> autoscale_trigger;
    // The registry's hook for a stage IVS no longer has (unregisters it and ends its
    // sessions); optional.
    using StageLostHook = std::function<boost::asio::awaitable<Status>(std::string arn)>;
    StageLostHook stage_lost;
    // The stage side's seat supply; without one, a join that finds every stage full is
    // refused at once.
    std::shared_ptr<SeatSupply> seat_supply;
    std::shared_ptr<SessionTokenCodec> session_tokens;  // required
    const Clock* clock = nullptr;                          // required
};

// Who is calling, for the history rows.
struct ClientInfo {
    std::string user_agent;
    std::string ip_address;
};

struct IssuedToken {
    std::string token;
    std::string participant_id;
    std::string user_id;  // as given to IVS ("viewer-…", "broadcaster-…", "media-server-…")
    std::string stage_arn;
    std::vector<ports::Capability> capabilities;
    SystemTime expires_at;
    std::int64_t expires_in_seconds = 0;
};

// A viewer holding a seat: the session, the stage's viewer count and the session token that
// authenticates the viewer's later calls.
struct SeatedViewer {
    ports::ViewerSession session;
    int current_viewers = 0;
    bool is_new_viewer = false;  // false when the user's session continues
    std::string session_token;
};

struct ViewerJoin : SeatedViewer {
    IssuedToken token;
};

struct PublisherGrant {
    IssuedToken token;
    std::string whip_endpoint;
};

struct Rejoin : SeatedViewer {};

struct StageViewers {
    std::string stage_arn;
    std::vector<ports::ViewerSession> viewers;  // live sessions, most recent heartbeat first
};

// The audience use cases: seating viewers and issuing their tokens, publisher and media-server
// tokens, heartbeats, leaves, expiry, and the consistent audience snapshot. Every session start
// and end is published exactly once to the session event sink; count changes are announced as
// "stats_changed" on the event bus. Thread-safe; all calls are coroutines that never block a
// thread (waiting for a seat uses a timer on the caller's executor).
//
// Errors: invalid_argument (bad input), not_found (unknown stage or session, publisher not
// live), stage_full (no seat, with retry_after_seconds), stage_limit_reached (no seat and no
// stage can be created), token_generation_failed, unavailable (hot store down).
class AudienceService : public ports::AudienceStats {
public:
    template <class T>
    using Async = boost::asio::awaitable<Result<T>>;

    AudienceService(AudienceOptions options, AudienceDeps deps);

    // Seats the user (or keeps the user's seat) and issues a subscribe token.
    Async<ViewerJoin> JoinAsViewer(std::string user_id, std::string stage_arn, ClientInfo client);
    // Publish token for the master stage.
    Async<PublisherGrant> IssuePublisherToken(std::string user_id);
    // Publish+subscribe token for a relay. The caller has checked the internal secret.
    Async<IssuedToken> IssueMediaServerToken(std::string server_id, std::string stage_arn);
    // Seats the user in `stage_arn` (a managed stage with room) for an existing participant.
    Async<Rejoin> RejoinStage(std::string user_id, std::string stage_arn,
                              std::string participant_id, ClientInfo client);
    // `session_id` empty: whichever session the user has in that stage.
    // The heartbeat's time, as recorded.
    Async<SystemTime> Heartbeat(std::string user_id, std::string stage_arn,
                                std::string session_id);
    Async<std::optional<ports::ViewerSession>> Leave(std::string user_id, std::string stage_arn,
                                                     std::string session_id);
    // not_found when the stage is not managed.
    Async<StageViewers> ListViewers(std::string stage_arn);
    // Seconds since the user's live session in that stage started; 0 when there is none.
    Async<std::int64_t> WatchDurationSeconds(std::string user_id, std::string stage_arn);

    // Ends sessions silent for longer than the heartbeat timeout, in batches; returns how many.
    Async<std::size_t> SweepExpired(std::size_t batch = 500);
    // The live sessions of every managed stage with their last heartbeat (up to
    // `per_stage_limit` per stage), for the history store's crash-recovery checkpoints.
    Async<std::vector<ports::ViewerSession>> LiveSessions(std::size_t per_stage_limit = 100000);
    // Publishes the end of sessions another component ended (e.g. RemoveStage). left_at is now
    // for live sessions and the last heartbeat for expired ones.
    void PublishEnded(const std::vector<ports::ViewerSession>& sessions, const std::string& reason);

    std::optional<SessionTicket> VerifySessionToken(std::string_view token) const;

    // ports::AudienceStats
    boost::asio::awaitable<Result<ports::AudienceSnapshot>> Snapshot() override;

    const AudienceOptions& options() const { return options_; }
    ports::HotStore& hot_store() { return *deps_.hot_store; }

private:
    // The seat request both joins and rejoins start from (no participant id yet).
    ports::SeatRequest SeatRequestFor(const std::string& user_id, std::string stage_arn,
                                      const ClientInfo& client) const;
    Async<ports::SeatResult> SeatWithWait(ports::SeatRequest request);
    // Publishes and announces a new seat, then fills `out` with the seated session, the stage's
    // viewer count and a fresh session token.
    boost::asio::awaitable<void> Welcome(ports::SeatResult& seat, const std::string& user_id,
                                         const ClientInfo& client, bool is_new, SeatedViewer& out);
    // `stage_missing` (optional): set when IVS does not know the request's stage.
    Async<IssuedToken> Issue(ports::CreateTokenRequest request, bool* stage_missing = nullptr);
    // One seat and token; `missing_stage` is set to the seat's stage when IVS does not know it.
    Async<ViewerJoin> JoinOnce(const std::string& user_id, const std::string& stage_arn,
                               const ClientInfo& client, std::string& missing_stage);
    Async<std::string> MasterStageArn();
    boost::asio::awaitable<void> PublishStarted(const ports::ViewerSession& s,
                                                const ClientInfo& client);
    void PublishEnd(const ports::ViewerSession& s, const std::string& reason, SystemTime left_at);
    void AnnounceCounts(const std::string& stage_arn);
    void MaybeTriggerAutoscale(int stage_viewers);
    // After a seat: triggers the autoscaler for a new seat and ends the session it replaced.
    // True when the seat is new (not the viewer's kept seat).
    bool AfterSeat(const ports::SeatResult& seat);
    SystemTime Now() const { return deps_.clock->Now(); }
    SystemTime Cutoff(SystemTime now) const {
        return now - std::chrono::seconds(options_.heartbeat_timeout_seconds);
    }

    AudienceOptions options_;
    AudienceDeps deps_;
};

}  // namespace ivs::audience
