#include "domain/stages/fanout.hpp"

#include <spdlog/spdlog.h>

#include <map>

namespace ivs::stages {

boost::asio::awaitable<Status> FanOut::Reconcile(SystemTime cutoff) {
    if (!enabled_) co_return Ok();
    const std::string master = directory_->MasterArn();
    if (master.empty()) co_return Ok();

    auto publisher = co_await hot_->GetPublisher();
    if (!publisher) co_return publisher.error();
    auto stages = co_await hot_->ListStages(cutoff);
    if (!stages) co_return stages.error();
    auto records = co_await hot_->ListReplications();
    if (!records) co_return records.error();

    std::string participant;
    if (*publisher && (*publisher)->live) participant = (*publisher)->participant_id;

    std::map<std::string, ports::ReplicationRecord> current;
    for (auto& r : *records) current.emplace(r.destination_stage_arn, std::move(r));

    std::map<std::string, bool> wanted;  // destination -> wanted
    if (!participant.empty()) {
        for (const auto& s : *stages) {
            if (!s.is_master && s.arn != master) wanted[s.arn] = true;
        }
    }

    // Stop what is no longer wanted or points at an old participant.
    for (const auto& [dest, record] : current) {
        bool keep = wanted.count(dest) && record.participant_id == participant &&
                    record.source_stage_arn == master;
        if (keep) continue;
        if (record.active) {
            auto stopped = co_await ivs_->StopParticipantReplication(
                record.source_stage_arn, dest, record.participant_id);
            if (!stopped && stopped.error().code != Errc::not_found) {
                spdlog::warn("stopping replication to {} failed: {}", dest,
                             stopped.error().message);
            }
        }
        (void)co_await hot_->RemoveReplication(dest);
    }

    // Start what is missing or not confirmed yet.
    for (const auto& [dest, _] : wanted) {
        auto it = current.find(dest);
        if (it != current.end() && it->second.active && it->second.participant_id == participant &&
            it->second.source_stage_arn == master) {
            continue;
        }
        ports::ReplicationRequest request{master, dest, participant, reconnect_window_seconds_, {}};
        auto started = co_await ivs_->StartParticipantReplication(std::move(request));
        // conflict: IVS already replicates this participant there.
        bool active = started || started.error().code == Errc::conflict;
        if (!active) {
            spdlog::info("replication {} -> {} not started yet ({}); retrying next tick",
                         participant, dest, started.error().message);
        }
        ports::ReplicationRecord record{dest, master, participant, active, clock_.Now()};
        (void)co_await hot_->PutReplication(std::move(record));
    }
    co_return Ok();
}

boost::asio::awaitable<Status> FanOut::StopFor(std::string destination_arn) {
    auto records = co_await hot_->ListReplications();
    if (!records) co_return records.error();
    for (const auto& r : *records) {
        if (r.destination_stage_arn != destination_arn) continue;
        if (r.active) {
            auto stopped = co_await ivs_->StopParticipantReplication(
                r.source_stage_arn, r.destination_stage_arn, r.participant_id);
            if (!stopped && stopped.error().code != Errc::not_found) {
                spdlog::warn("stopping replication to {} failed: {}", destination_arn,
                             stopped.error().message);
            }
        }
        co_return co_await hot_->RemoveReplication(destination_arn);
    }
    co_return Ok();
}

boost::asio::awaitable<Result<ports::ReplicationRecord>> FanOut::Start(std::string source_arn,
                                                                       std::string destination_arn,
                                                                       std::string participant_id) {
    ports::ReplicationRequest request{source_arn, destination_arn, participant_id,
                                      reconnect_window_seconds_, {}};
    auto started = co_await ivs_->StartParticipantReplication(std::move(request));
    if (!started) co_return started.error();
    ports::ReplicationRecord record{destination_arn, source_arn, participant_id, true,
                                    clock_.Now()};
    auto put = co_await hot_->PutReplication(record);
    if (!put) co_return put.error();
    co_return record;
}

boost::asio::awaitable<Status> FanOut::Stop(std::string source_arn, std::string destination_arn,
                                            std::string participant_id) {
    auto stopped =
        co_await ivs_->StopParticipantReplication(source_arn, destination_arn, participant_id);
    if (!stopped) co_return stopped.error();
    co_return co_await hot_->RemoveReplication(destination_arn);
}

}  // namespace ivs::stages
