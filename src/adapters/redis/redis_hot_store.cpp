#include "adapters/redis/redis_hot_store.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <string_view>

#include "adapters/hot_store/hot_store_names.hpp"
#include "adapters/redis/redis_batcher.hpp"
#include "adapters/redis/redis_hot_store_json.hpp"
#include "adapters/redis/redis_hot_store_scripts.hpp"
#include "core/json_fields.hpp"
#include "core/time_format.hpp"
#include "ports/session_events.hpp"

namespace ivs::adapters::redis {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string Ms(SystemTime t) { return std::to_string(ToUnixMillis(t)); }
// Zero (the port's "not given") leaves the choice to the script.
std::string MsOrEmpty(SystemTime t) { return t == SystemTime{} ? std::string() : Ms(t); }

SystemTime ParseMs(const RedisReply& r) { return FromUnixMillis(r.AsInt().value_or(0)); }

Error Unexpected() { return Error(Errc::internal, "Unexpected answer from Redis"); }

std::optional<ViewerSession> ParseSession(const RedisReply& r) {
    if (!r.IsArray() || r.elements.size() < 6) return std::nullopt;
    ViewerSession s;
    s.session_id = r.elements[0].str;
    s.user_id = r.elements[1].str;
    s.stage_arn = r.elements[2].str;
    s.participant_id = r.elements[3].str;
    s.joined_at = ParseMs(r.elements[4]);
    s.last_heartbeat = ParseMs(r.elements[5]);
    return s;
}

Result<std::vector<ViewerSession>> ParseSessions(const RedisReply& r) {
    if (!r.IsArray()) return Unexpected();
    std::vector<ViewerSession> out;
    out.reserve(r.elements.size());
    for (const auto& e : r.elements) {
        auto s = ParseSession(e);
        if (!s) return Unexpected();
        out.push_back(std::move(*s));
    }
    return out;
}

std::optional<StageRecord> ParseStage(const RedisReply& r) {
    if (!r.IsArray() || r.elements.size() < 8) return std::nullopt;
    StageRecord s;
    s.arn = r.elements[0].str;
    s.name = r.elements[1].str;
    s.is_master = r.elements[2].str == "1";
    s.auto_scaled = r.elements[3].str == "1";
    s.state = r.elements[4].str == "draining" ? StageState::draining : StageState::active;
    s.created_at = ParseMs(r.elements[5]);
    if (!r.elements[6].str.empty()) s.draining_since = ParseMs(r.elements[6]);
    s.viewers = static_cast<int>(r.elements[7].AsInt().value_or(0));
    return s;
}

Result<std::vector<StageRecord>> ParseStages(const RedisReply& r) {
    if (!r.IsArray()) return Unexpected();
    std::vector<StageRecord> out;
    for (const auto& e : r.elements) {
        auto s = ParseStage(e);
        if (!s) return Unexpected();
        out.push_back(std::move(*s));
    }
    std::sort(out.begin(), out.end(), [](const StageRecord& a, const StageRecord& b) {
        return a.created_at != b.created_at ? a.created_at < b.created_at : a.arn < b.arn;
    });
    return out;
}

// The first element of a script's answer: "ok" or an error condition.
std::optional<Error> StatusOf(const RedisReply& r, const char* not_found_message) {
    if (!r.IsArray() || r.elements.empty()) return Unexpected();
    const std::string& s = r.elements[0].str;
    if (s == "ok" || s == "none") return std::nullopt;
    if (s == "not_found") return Error(Errc::not_found, not_found_message);
    if (s == "stage_full") return Error(Errc::stage_full, "All stages are full");
    if (s == "not_live") return Error(Errc::not_found, "The broadcast is not live");
    // The script ran after its deadline, when the caller had already given up: nothing changed.
    if (s == "late") return Error(Errc::unavailable, "Redis did not answer in time");
    return Unexpected();
}

// Seat's refusal names the stage that was asked for, and why it has no seat.
std::optional<Error> SeatStatusOf(const RedisReply& r, const std::string& requested_stage) {
    if (r.IsArray() && r.elements.size() >= 2 && r.elements[0].str == "stage_full" &&
        !requested_stage.empty()) {
        return Error(Errc::stage_full, r.elements[1].str == "draining"
                                           ? ports::StageDrainingMessage(requested_stage)
                                           : ports::StageFullMessage(requested_stage));
    }
    return StatusOf(r, "Stage not found");
}

class RedisHotStore final : public ports::HotStore {
public:
    RedisHotStore(std::shared_ptr<RedisClient> client,
                  std::vector<std::shared_ptr<RedisClient>> lane_clients)
        : client_(std::move(client)),
          p_(client_->KeyPrefix()),
          heartbeats_(client_, std::move(lane_clients), scripts::Heartbeat(), {p_},
                      {.max_batch = 128, .max_in_flight = 1}) {}

    Async<SeatResult> Seat(SeatRequest rq) override {
        std::vector<std::string> args{p_,
                                      rq.user_id,
                                      rq.requested_stage,
                                      rq.new_session_id,
                                      rq.participant_id,
                                      Ms(rq.now),
                                      Ms(rq.cutoff),
                                      std::to_string(rq.capacity),
                                      std::to_string(rq.scale_up_threshold),
                                      std::move(rq.user_agent),
                                      std::move(rq.ip_address),
                                      SeatDeadline(),
                                      rq.require_live_publisher ? "1" : "0",
                                      rq.defer_start ? "1" : "0"};
        auto r = co_await Run(scripts::Seat(), std::move(args));
        if (!r) co_return r.error();
        if (auto e = SeatStatusOf(*r, rq.requested_stage)) co_return std::move(*e);
        if (r->elements.size() < 5) co_return Unexpected();
        SeatResult out;
        const std::string& outcome = r->elements[1].str;
        out.outcome = outcome == "kept"    ? SeatResult::Outcome::kept
                      : outcome == "moved" ? SeatResult::Outcome::moved
                                           : SeatResult::Outcome::seated;
        out.stage_viewers = static_cast<int>(r->elements[2].AsInt().value_or(0));
        auto session = ParseSession(r->elements[3]);
        if (!session) co_return Unexpected();
        out.session = std::move(*session);
        out.ended = ParseSession(r->elements[4]);
        co_return out;
    }

    Async<SystemTime> Heartbeat(std::string user_id, std::string stage_arn,
                                std::string session_id, SystemTime now,
                                SystemTime cutoff) override {
        std::vector<std::string> args{std::move(user_id), std::move(stage_arn),
                                      std::move(session_id), Ms(now), Ms(cutoff)};
        auto r = co_await heartbeats_.ForThisThread().Call(std::move(args));
        if (!r) co_return r.error();
        if (r->type != RedisReply::Type::string) co_return Unexpected();
        if (r->str.empty()) co_return Error(Errc::not_found, "No active session for this viewer");
        auto hb = r->AsInt();
        if (!hb) co_return Unexpected();
        co_return FromUnixMillis(*hb);
    }

    Async<std::optional<ViewerSession>> Leave(std::string user_id, std::string stage_arn,
                                              std::string session_id, SystemTime now,
                                              SystemTime cutoff) override {
        std::vector<std::string> args{p_,
                                      std::move(user_id),
                                      std::move(stage_arn),
                                      std::move(session_id),
                                      MsOrEmpty(now),
                                      MsOrEmpty(cutoff)};
        co_return co_await OptionalSession(scripts::Leave(), std::move(args));
    }

    Async<void> GiveBack(std::string user_id, std::string stage_arn,
                         std::string session_id) override {
        std::vector<std::string> args{p_, std::move(user_id), std::move(stage_arn),
                                      std::move(session_id), "", "", ports::kCancelled};
        auto r = co_await Run(scripts::Leave(), std::move(args));
        if (!r) co_return r.error();
        if (auto e = StatusOf(*r, "No such session")) co_return std::move(*e);
        co_return Ok();
    }

    Async<void> SetParticipant(std::string user_id, std::string session_id,
                               std::string participant_id, std::string user_agent,
                               std::string ip_address) override {
        std::vector<std::string> args{p_,
                                      std::move(user_id),
                                      std::move(session_id),
                                      std::move(participant_id),
                                      std::move(user_agent),
                                      std::move(ip_address)};
        auto r = co_await Run(scripts::SetParticipant(), std::move(args));
        if (!r) co_return r.error();
        if (auto e = StatusOf(*r, "No such session")) co_return std::move(*e);
        co_return Ok();
    }

    Async<std::optional<ViewerSession>> GetSession(std::string user_id,
                                                   SystemTime cutoff) override {
        std::vector<std::string> args{p_, std::move(user_id), Ms(cutoff)};
        co_return co_await OptionalSession(scripts::GetSession(), std::move(args));
    }

    Async<std::vector<ViewerSession>> ListViewers(std::string stage_arn, SystemTime cutoff,
                                                  std::size_t limit) override {
        std::vector<std::string> args{p_, std::move(stage_arn), Ms(cutoff),
                                      std::to_string(limit)};
        auto r = co_await Run(scripts::ListViewers(), std::move(args));
        if (!r) co_return r.error();
        co_return ParseSessions(*r);
    }

    Async<std::vector<ViewerSession>> ExpireSessions(SystemTime cutoff,
                                                     std::size_t limit) override {
        // Each script run examines a bounded number of entries; runs continue while the
        // script says unexamined entries remain and the batch is not full.
        std::vector<ViewerSession> out;
        for (;;) {
            std::vector<std::string> args{p_, Ms(cutoff), std::to_string(limit - out.size())};
            auto r = co_await Run(scripts::ExpireSessions(), std::move(args));
            if (!r) {
                if (out.empty()) co_return r.error();
                break;
            }
            if (!r->IsArray() || r->elements.size() != 2) co_return Unexpected();
            auto ended = ParseSessions(r->elements[1]);
            if (!ended) co_return ended.error();
            for (auto& s : *ended) out.push_back(std::move(s));
            const bool more = r->elements[0].AsInt().value_or(0) != 0;
            if (!more || out.size() >= limit) break;
        }
        co_return out;
    }

    Async<void> UpsertStage(StageRecord stage) override {
        std::vector<std::string> args{
            p_,
            stage.arn,
            stage.name,
            stage.is_master ? "1" : "0",
            stage.auto_scaled ? "1" : "0",
            stage.state == StageState::draining ? "draining" : "active",
            Ms(stage.created_at),
            stage.draining_since ? Ms(*stage.draining_since) : std::string()};
        auto r = co_await Run(scripts::UpsertStage(), std::move(args));
        if (!r) co_return r.error();
        co_return Ok();
    }

    Async<void> SetStageState(std::string arn, StageState state,
                              std::optional<SystemTime> draining_since) override {
        std::vector<std::string> args{p_, std::move(arn),
                                      state == StageState::draining ? "draining" : "active",
                                      draining_since ? Ms(*draining_since) : std::string()};
        auto r = co_await Run(scripts::SetStageState(), std::move(args));
        if (!r) co_return r.error();
        if (auto e = StatusOf(*r, "Stage not found")) co_return std::move(*e);
        co_return Ok();
    }

    Async<std::vector<ViewerSession>> RemoveStage(std::string arn, SystemTime now,
                                                  SystemTime cutoff) override {
        std::vector<std::string> args{p_, std::move(arn), MsOrEmpty(now), MsOrEmpty(cutoff)};
        auto r = co_await Run(scripts::RemoveStage(), std::move(args));
        if (!r) co_return r.error();
        co_return ParseSessions(*r);
    }

    Async<StageRecord> GetStage(std::string arn, SystemTime cutoff) override {
        std::vector<std::string> args{p_, Ms(cutoff), std::move(arn)};
        auto r = co_await Run(scripts::ListStages(), std::move(args));
        if (!r) co_return r.error();
        if (auto e = StatusOf(*r, "Stage not found")) co_return std::move(*e);
        if (r->elements.size() < 2) co_return Unexpected();
        auto stages = ParseStages(r->elements[1]);
        if (!stages || stages->empty()) co_return Unexpected();
        co_return std::move(stages->front());
    }

    Async<std::vector<StageRecord>> ListStages(SystemTime cutoff) override {
        std::vector<std::string> args{p_, Ms(cutoff)};
        auto r = co_await Run(scripts::ListStages(), std::move(args));
        if (!r) co_return r.error();
        if (auto e = StatusOf(*r, "Stage not found")) co_return std::move(*e);
        if (r->elements.size() < 2) co_return Unexpected();
        co_return ParseStages(r->elements[1]);
    }

    Async<void> SetPendingStageCreations(int count, SystemTime until) override {
        return CommandOk({"SET", p_ + "pending_stages", std::to_string(count) + ":" + Ms(until)});
    }

    Async<void> SetPublisher(PublisherState state) override {
        return CommandOk({"SET", p_ + "publisher", PublisherToJson(state)});
    }

    Async<std::optional<PublisherState>> GetPublisher() override {
        std::vector<std::string> args{"GET", p_ + "publisher"};
        auto r = co_await client_->Command(std::move(args));
        if (!r) co_return r.error();
        if (r->IsNil()) co_return std::optional<PublisherState>();
        co_return PublisherFromJson(r->str);
    }

    Async<void> PutReplication(ReplicationRecord record) override {
        return CommandOk(
            {"HSET", p_ + "replications", record.destination_stage_arn, ReplicationToJson(record)});
    }

    Async<void> RemoveReplication(std::string destination_stage_arn) override {
        return CommandOk({"HDEL", p_ + "replications", std::move(destination_stage_arn)});
    }

    Async<std::vector<ReplicationRecord>> ListReplications() override {
        std::vector<std::string> args{"HVALS", p_ + "replications"};
        auto r = co_await client_->Command(std::move(args));
        if (!r) co_return r.error();
        std::vector<ReplicationRecord> out;
        for (const auto& e : r->elements) {
            if (auto rec = ReplicationFromJson(e.str)) out.push_back(std::move(*rec));
        }
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
            return a.destination_stage_arn < b.destination_stage_arn;
        });
        co_return out;
    }

    Async<bool> MarkOnce(std::string key, std::chrono::seconds ttl) override {
        std::vector<std::string> args{"SET", p_ + "once:" + key, "1", "NX", "PX",
                                      std::to_string(std::max<std::int64_t>(1, ttl.count()) * 1000)};
        auto r = co_await client_->Command(std::move(args));
        if (!r) co_return r.error();
        co_return !r->IsNil();
    }

    Async<HotSnapshot> Snapshot(SystemTime now, SystemTime cutoff) override {
        std::vector<std::string> args{p_, Ms(cutoff)};
        auto r = co_await Run(scripts::Snapshot(), std::move(args));
        if (!r) co_return r.error();
        if (!r->IsArray() || r->elements.size() < 3) co_return Unexpected();
        HotSnapshot snap;
        auto stages = ParseStages(r->elements[0]);
        if (!stages) co_return stages.error();
        snap.stages = std::move(*stages);
        if (!r->elements[1].IsNil()) snap.publisher = PublisherFromJson(r->elements[1].str);
        const std::string& pending = r->elements[2].str;
        if (auto colon = pending.find(':'); colon != std::string::npos) {
            RedisReply count{RedisReply::Type::string, pending.substr(0, colon), 0, {}};
            RedisReply until{RedisReply::Type::string, pending.substr(colon + 1), 0, {}};
            if (ParseMs(until) > now) snap.pending_stage_creations = static_cast<int>(count.AsInt().value_or(0));
        }
        co_return snap;
    }

    Async<void> Ping() override { return CommandOk({"PING"}); }

    bool RecordsSessionEvents() const override { return true; }

private:
    // The latest Redis time at which a seat may still take effect: half the command timeout
    // from now, so its answer can still arrive before the caller's deadline. A seat script
    // that waited longer in a stalled Redis changes nothing (the caller answered 503).
    std::string SeatDeadline() const {
        const auto budget = client_->Options().command_timeout / 2;
        const auto redis_now = std::chrono::system_clock::now() + client_->ClockOffset();
        return std::to_string(
            std::chrono::duration_cast<std::chrono::milliseconds>(
                (redis_now + budget).time_since_epoch())
                .count());
    }

    // A command whose answer carries nothing but its success.
    Async<void> CommandOk(std::vector<std::string> args) {
        auto r = co_await client_->Command(std::move(args));
        if (!r) co_return r.error();
        co_return Ok();
    }

    asio::awaitable<Result<RedisReply>> Run(const RedisScript& script,
                                            std::vector<std::string> args) {
        std::vector<std::string> keys;
        auto r = co_await client_->Eval(script, std::move(keys), std::move(args));
        co_return r;
    }

    Async<std::optional<ViewerSession>> OptionalSession(const RedisScript& script,
                                                        std::vector<std::string> args) {
        auto r = co_await Run(script, std::move(args));
        if (!r) co_return r.error();
        if (auto e = StatusOf(*r, "No such session")) co_return std::move(*e);
        if (r->elements[0].str == "none") co_return std::optional<ViewerSession>();
        auto s = r->elements.size() > 1 ? ParseSession(r->elements[1]) : std::nullopt;
        if (!s) co_return Unexpected();
        co_return s;
    }

    std::shared_ptr<RedisClient> client_;
    std::string p_;
    // Heartbeats are the hot path: concurrent ones on one I/O thread share one script run, on
    // that thread's connection.
    LaneBatchers heartbeats_;
};

}  // namespace

std::shared_ptr<ports::HotStore> MakeRedisHotStore(
    std::shared_ptr<RedisClient> client, std::vector<std::shared_ptr<RedisClient>> lane_clients) {
    return std::make_shared<RedisHotStore>(std::move(client), std::move(lane_clients));
}

}  // namespace ivs::adapters::redis
