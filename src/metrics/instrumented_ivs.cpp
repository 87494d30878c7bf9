#include "metrics/instrumented_ivs.hpp"

#include <chrono>

namespace ivs::metrics {
namespace {

using ports::IvsClient;
using Clock = std::chrono::steady_clock;

class InstrumentedIvs final : public IvsClient {
public:
    InstrumentedIvs(std::shared_ptr<IvsClient> inner, Registry& registry)
        : inner_(std::move(inner)),
          calls_(registry.Counters("ivs_calls_total", "IVS API calls by operation and outcome",
                                   {"operation", "outcome"})),
          latency_(registry.Histograms("ivs_call_duration_seconds",
                                       "IVS API call latency in seconds", {"operation"})) {}

    Async<ports::Stage> CreateStage(ports::CreateStageRequest r) override {
        return Timed("CreateStage", inner_->CreateStage(std::move(r)));
    }
    Async<ports::Stage> GetStage(std::string arn) override {
        return Timed("GetStage", inner_->GetStage(std::move(arn)));
    }
    Async<ports::Stage> UpdateStage(std::string arn, std::string name) override {
        return Timed("UpdateStage", inner_->UpdateStage(std::move(arn), std::move(name)));
    }
    Async<void> DeleteStage(std::string arn) override {
        return Timed("DeleteStage", inner_->DeleteStage(std::move(arn)));
    }
    Async<ports::Page<ports::StageSummary>> ListStages(std::string next, int max) override {
        return Timed("ListStages", inner_->ListStages(std::move(next), max));
    }
    Async<ports::ParticipantToken> CreateParticipantToken(ports::CreateTokenRequest r) override {
        return Timed("CreateParticipantToken", inner_->CreateParticipantToken(std::move(r)));
    }
    Async<void> DisconnectParticipant(std::string stage, std::string participant,
                                      std::string reason) override {
        return Timed("DisconnectParticipant",
                     inner_->DisconnectParticipant(std::move(stage), std::move(participant),
                                                   std::move(reason)));
    }
    Async<ports::Page<ports::ParticipantSummary>> ListParticipants(
        ports::ListParticipantsRequest r) override {
        return Timed("ListParticipants", inner_->ListParticipants(std::move(r)));
    }
    Async<ports::Page<ports::StageSession>> ListStageSessions(std::string stage, std::string next,
                                                              int max) override {
        return Timed("ListStageSessions",
                     inner_->ListStageSessions(std::move(stage), std::move(next), max));
    }
    Async<void> StartParticipantReplication(ports::ReplicationRequest r) override {
        return Timed("StartParticipantReplication",
                     inner_->StartParticipantReplication(std::move(r)));
    }
    Async<void> StopParticipantReplication(std::string source, std::string destination,
                                           std::string participant) override {
        return Timed("StopParticipantReplication",
                     inner_->StopParticipantReplication(std::move(source), std::move(destination),
                                                        std::move(participant)));
    }
    Async<ports::Page<ports::ParticipantReplica>> ListParticipantReplicas(std::string source,
                                                                          std::string participant,
                                                                          std::string next,
                                                                          int max) override {
        return Timed("ListParticipantReplicas",
                     inner_->ListParticipantReplicas(std::move(source), std::move(participant),
                                                     std::move(next), max));
    }
    Async<ports::PublicKey> ImportPublicKey(std::string material, std::string name,
                                            ports::Tags tags) override {
        return Timed("ImportPublicKey", inner_->ImportPublicKey(std::move(material),
                                                                std::move(name), std::move(tags)));
    }
    Async<ports::PublicKey> GetPublicKey(std::string arn) override {
        return Timed("GetPublicKey", inner_->GetPublicKey(std::move(arn)));
    }
    Async<ports::Page<ports::PublicKey>> ListPublicKeys(std::string next, int max) override {
        return Timed("ListPublicKeys", inner_->ListPublicKeys(std::move(next), max));
    }
    Async<void> DeletePublicKey(std::string arn) override {
        return Timed("DeletePublicKey", inner_->DeletePublicKey(std::move(arn)));
    }
    Async<void> TagResource(std::string arn, ports::Tags tags) override {
        return Timed("TagResource", inner_->TagResource(std::move(arn), std::move(tags)));
    }
    Async<void> UntagResource(std::string arn, std::vector<std::string> keys) override {
        return Timed("UntagResource", inner_->UntagResource(std::move(arn), std::move(keys)));
    }
    Async<ports::Tags> ListTagsForResource(std::string arn) override {
        return Timed("ListTagsForResource", inner_->ListTagsForResource(std::move(arn)));
    }

private:
    // Awaits `call`, counting its outcome and observing its latency under `operation`.
    template <class T>
    Async<T> Timed(const char* operation, Async<T> call) {
        auto start = Clock::now();
        auto result = co_await std::move(call);
        co_return Record(operation, start, std::move(result));
    }

    template <class R>
    R Record(const char* operation, Clock::time_point start, R result) {
        std::chrono::duration<double> elapsed = Clock::now() - start;
        std::string outcome =
            result ? std::string("success") : std::string(ErrcName(result.error().code));
        calls_.WithLabels({operation, outcome}).Inc();
        latency_.WithLabels({operation}).Observe(elapsed.count());
        return result;
    }

    std::shared_ptr<IvsClient> inner_;
    CounterFamily& calls_;
    HistogramFamily& latency_;
};

}  // namespace

std::shared_ptr<ports::IvsClient> InstrumentIvs(std::shared_ptr<ports::IvsClient> inner,
                                                Registry& registry) {
    if (!inner) return inner;
    return std::make_shared<InstrumentedIvs>(std::move(inner), registry);
}

}  // namespace ivs::metrics
