#include "domain/audience/audience_service.hpp"

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/random.hpp"
#include "core/time_format.hpp"

namespace ivs::audience {
namespace asio = boost::asio;
using ports::Capability;

namespace {

constexpr int kStageFullRetryAfterSeconds = 5;

std::string NewSessionId() { return HexEncode(RandomBytes(16)); }

Error StageFull(std::string message) {
    return Error(Errc::stage_full, std::move(message)).WithRetryAfter(kStageFullRetryAfterSeconds);
}

}  // namespace

AudienceService::AudienceService(AudienceOptions options, AudienceDeps deps)
    : options_(std::move(options)), deps_(std::move(deps)) {}

std::optional<SessionTicket> AudienceService::VerifySessionToken(std::string_view token) const {
    return deps_.session_tokens->Verify(token);
}

AudienceService::Async<IssuedToken> AudienceService::Issue(ports::CreateTokenRequest request,
                                                          bool* stage_missing) {
    if (!deps_.token_signer) {
        co_return Error(Errc::token_generation_failed, "Token signing is not configured");
    }
    const SystemTime now = Now();
    request.attributes["timestamp"] = FormatIso8601Millis(now);
    auto issued = co_await deps_.token_signer->Issue(request);
    if (!issued) {
        if (stage_missing) *stage_missing = issued.error().code == Errc::not_found;
        // Upstream text stays in the log; clients get a stable message.
        Error e(Errc::token_generation_failed, "Token generation failed");
        if (issued.error().code == Errc::rate_limited || issued.error().code == Errc::unavailable ||
            issued.error().code == Errc::timeout) {
            e.retry_after_seconds = 2;
        }
        co_return e;
    }
    IssuedToken out;
    out.token = std::move(issued->token);
    out.participant_id = std::move(issued->participant_id);
    out.user_id = issued->user_id.empty() ? request.user_id : issued->user_id;
    out.stage_arn = request.stage_arn;
    out.capabilities = request.capabilities;
    out.expires_at = issued->expiration_time;
    if (out.expires_at <= now) out.expires_at = now + std::chrono::minutes(request.duration_minutes);
    out.expires_in_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(out.expires_at - now).count();
    co_return out;
}

AudienceService::Async<std::string> AudienceService::MasterStageArn() {
    auto stages = co_await deps_.hot_store->ListStages(Cutoff(Now()));
    if (!stages) co_return stages.error();
    for (const auto& s : *stages) {
        if (s.is_master) co_return s.arn;
    }
    if (!options_.master_stage_arn.empty()) co_return options_.master_stage_arn;
    co_return Error(Errc::token_generation_failed, "No master stage is configured");
}

AudienceService::Async<PublisherGrant> AudienceService::IssuePublisherToken(std::string user_id) {
    auto master = co_await MasterStageArn();
    if (!master) co_return master.error();
    ports::CreateTokenRequest request;
    request.stage_arn = *master;
    request.user_id = "broadcaster-" + user_id;
    request.duration_minutes = options_.publisher_token_ttl_minutes;
    request.attributes = {{"role", "publisher"}};
    request.capabilities = {Capability::publish};
    auto token = co_await Issue(std::move(request));
    if (!token) co_return token.error();

    PublisherGrant grant{std::move(*token), options_.default_whip_endpoint};
    if (deps_.ivs) {
        auto stage = co_await deps_.ivs->GetStage(*master);
        if (stage && !stage->endpoints.whip.empty()) grant.whip_endpoint = stage->endpoints.whip;
    }
    co_return grant;
}

AudienceService::Async<IssuedToken> AudienceService::IssueMediaServerToken(std::string server_id,
                                                                          std::string stage_arn) {
    ports::CreateTokenRequest request;
    request.stage_arn = std::move(stage_arn);
    request.user_id = "media-server-" + server_id;
    request.duration_minutes = options_.mediaserver_token_ttl_minutes;
    request.attributes = {{"role", "media-server"}, {"serverId", server_id}};
    request.capabilities = {Capability::publish, Capability::subscribe};
    co_return co_await Issue(std::move(request));
}

ports::SeatRequest AudienceService::SeatRequestFor(const std::string& user_id,
                                                   std::string stage_arn,
                                                   const ClientInfo& client) const {
    ports::SeatRequest request;
    request.user_id = user_id;
    request.requested_stage = std::move(stage_arn);
    request.new_session_id = NewSessionId();
    request.capacity = options_.stage_capacity;
    request.scale_up_threshold = options_.scale_up_threshold;
    request.user_agent = client.user_agent;
    request.ip_address = client.ip_address;
    return request;
}

AudienceService::Async<ports::SeatResult> AudienceService::SeatWithWait(ports::SeatRequest request) {
    const auto& supply = deps_.seat_supply;
    const auto deadline = deps_.clock->Steady() + std::chrono::seconds(options_.seat_wait_seconds);
    bool waiting = false;  // the join's demand is registered
    std::optional<Result<ports::SeatResult>> out;
    while (!out) {
        const std::uint64_t seen = supply ? supply->Generation() : 0;
        request.now = Now();
        request.cutoff = Cutoff(request.now);
        auto seat = co_await deps_.hot_store->Seat(request);
        if (seat || seat.error().code != Errc::stage_full) {
            out = std::move(seat);
            break;
        }
        MaybeTriggerAutoscale(options_.scale_up_threshold);
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - deps_.clock->Steady());
        if (!request.requested_stage.empty() || !supply || left.count() <= 0) {
            out = StageFull(request.requested_stage.empty()
                                ? "All stages are full, please try again later"
                                : seat.error().message);
            break;
        }
        // No seat: the demand is registered (a separate step from seating) and the stages it
        // needs are on their way, or the join is refused now when none can be made.
        waiting = true;
        auto need = co_await supply->NeedSeat(request.new_session_id, request.now + left);
        if (!need) {
            out = need.error();
            break;
        }
        co_await supply->WaitChange(seen, left);
    }
    if (waiting) co_await supply->Done(request.new_session_id);
    co_return std::move(*out);
}

AudienceService::Async<ViewerJoin> AudienceService::JoinAsViewer(std::string user_id,
                                                                 std::string stage_arn,
                                                                 ClientInfo client) {
    std::string missing;
    auto join = co_await JoinOnce(user_id, stage_arn, client, missing);
    if (join || missing.empty()) co_return join;
    // Seated on a stage IVS no longer has: drop it from the registry (its sessions end) and
    // seat the viewer again, elsewhere.
    if (!deps_.stage_lost) co_return join;
    auto dropped = co_await deps_.stage_lost(missing);
    if (!dropped) co_return join;
    if (!stage_arn.empty()) co_return Error(Errc::not_found, "Stage not found");
    co_return co_await JoinOnce(user_id, stage_arn, client, missing);
}

AudienceService::Async<ViewerJoin> AudienceService::JoinOnce(const std::string& user_id,
                                                             const std::string& stage_arn,
                                                             const ClientInfo& client,
                                                             std::string& missing_stage) {
    // One hot-store operation: the publisher check, the seat and the participant id (known
    // before signing for self-signed tokens); the token is signed after it.
    ports::SeatRequest request = SeatRequestFor(user_id, stage_arn, client);
    request.require_live_publisher = options_.require_live_publisher;
    request.participant_id = deps_.token_signer ? deps_.token_signer->NewParticipantId() : "";
    request.defer_start = request.participant_id.empty();
    const std::string participant_id = request.participant_id;
    const bool deferred = request.defer_start;
    auto seat = co_await SeatWithWait(std::move(request));
    if (!seat) co_return seat.error();
    const bool is_new = AfterSeat(*seat);

    ports::CreateTokenRequest token_request;
    token_request.stage_arn = seat->session.stage_arn;
    token_request.user_id = "viewer-" + user_id;
    token_request.duration_minutes = options_.viewer_token_ttl_minutes;
    token_request.attributes = {{"role", "viewer"}};
    token_request.capabilities = {Capability::subscribe};
    token_request.participant_id = participant_id;
    bool stage_missing = false;
    auto token = co_await Issue(std::move(token_request), &stage_missing);
    if (!token) {
        if (stage_missing) missing_stage = seat->session.stage_arn;
        if (is_new) {
            // Give the seat back: the viewer never got a token (a recorded start is cancelled).
            (void)co_await deps_.hot_store->GiveBack(user_id, seat->session.stage_arn,
                                                     seat->session.session_id);
        }
        co_return token.error();
    }
    if (deferred || token->participant_id != participant_id) {
        auto recorded = co_await deps_.hot_store->SetParticipant(
            user_id, seat->session.session_id, token->participant_id, client.user_agent,
            client.ip_address);
        // A deferred start is recorded here: without it the viewer must not get a 200.
        if (!recorded && deferred && is_new && deps_.hot_store->RecordsSessionEvents()) {
            (void)co_await deps_.hot_store->GiveBack(user_id, seat->session.stage_arn,
                                                     seat->session.session_id);
            co_return recorded.error();
        }
    }
    seat->session.participant_id = token->participant_id;
    ViewerJoin join;
    join.token = std::move(*token);
    co_await Welcome(*seat, user_id, client, is_new, join);
    co_return join;
}

AudienceService::Async<Rejoin> AudienceService::RejoinStage(std::string user_id,
                                                            std::string stage_arn,
                                                            std::string participant_id,
                                                            ClientInfo client) {
    ports::SeatRequest request = SeatRequestFor(user_id, std::move(stage_arn), client);
    request.participant_id = participant_id;
    request.now = Now();
    request.cutoff = Cutoff(request.now);
    auto seat = co_await deps_.hot_store->Seat(std::move(request));
    if (!seat) {
        if (seat.error().code == Errc::stage_full) co_return StageFull(seat.error().message);
        co_return seat.error();
    }
    const bool is_new = AfterSeat(*seat);
    Rejoin out;
    co_await Welcome(*seat, user_id, client, is_new, out);
    co_return out;
}

boost::asio::awaitable<void> AudienceService::Welcome(ports::SeatResult& seat,
                                                      const std::string& user_id,
                                                      const ClientInfo& client, bool is_new,
                                                      SeatedViewer& out) {
    if (is_new) {
        co_await PublishStarted(seat.session, client);
        AnnounceCounts(seat.session.stage_arn);
    }
    out.session_token =
        deps_.session_tokens->Issue(seat.session.session_id, user_id, seat.session.stage_arn);
    out.session = std::move(seat.session);
    out.current_viewers = seat.stage_viewers;
    out.is_new_viewer = is_new;
}

bool AudienceService::AfterSeat(const ports::SeatResult& seat) {
    const bool is_new = seat.outcome != ports::SeatResult::Outcome::kept;
    // At once, before signing or recording: the autoscaler gets every moment to add a stage.
    if (is_new) MaybeTriggerAutoscale(seat.stage_viewers);
    if (seat.ended) {
        const bool moved = seat.outcome == ports::SeatResult::Outcome::moved;
        PublishEnd(*seat.ended, moved ? "moved" : "timeout",
                   moved ? seat.session.joined_at : seat.ended->last_heartbeat);
        AnnounceCounts(seat.ended->stage_arn);
    }
    return is_new;
}

void AudienceService::MaybeTriggerAutoscale(int stage_viewers) {
    if (stage_viewers < options_.scale_up_threshold || !deps_.autoscale_trigger) return;
    deps_.autoscale_trigger();
}

}  // namespace ivs::audience
