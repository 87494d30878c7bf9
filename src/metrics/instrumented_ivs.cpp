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
        auto t = Clock::now();
        auto res = co_await inner_->CreateStage(std::move(r));
        co_return Record("CreateStage", t, std::move(res));
    }
    Async<ports::Stage> GetStage(std::string arn) override {
        auto t = Clock::now();
        auto res = co_await inner_->GetStage(std::move(arn));
        co_return Record("GetStage", t, std::move(res));
    }
    Async<ports::Stage> UpdateStage(std::string arn, std::string name) override {
        auto t = Clock::now();
        auto res = co_await inner_->UpdateStage(std::move(arn), std::move(name));
        co_return Record("UpdateStage", t, std::move(res));
    }
    Async<void> DeleteStage(std::string arn) override {
        auto t = Clock::now();
        auto res = co_await inner_->DeleteStage(std::move(arn));
        co_return Record("DeleteStage", t, std::move(res));
    }
    Async<ports::Page<ports::StageSummary>> ListStages(std::string next, int max) override {
        auto t = Clock::now();
        auto res = co_await inner_->ListStages(std::move(next), max);
        co_return Record("ListStages", t, std::move(res));
    }
    Async<ports::ParticipantToken> CreateParticipantToken(ports::CreateTokenRequest r) override {
        auto t = Clock::now();
        auto res = co_await inner_->CreateParticipantToken(std::move(r));
        co_return Record("CreateParticipantToken", t, std::move(res));
    }
    Async<void> DisconnectParticipant(std::string stage, std::string participant,
                                      std::string reason) override {
        auto t = Clock::now();
        auto res = co_await inner_->DisconnectParticipant(std::move(stage), std::move(participant),
                                                          std::move(reason));
        co_return Record("DisconnectParticipant", t, std::move(res));
    }
    Async<ports::Page<ports::ParticipantSummary>> ListParticipants(
        ports::ListParticipantsRequest r) override {
        auto t = Clock::now();
        auto res = co_await inner_->ListParticipants(std::move(r));
        co_return Record("ListParticipants", t, std::move(res));
    }
    Async<ports::Page<ports::StageSession>> ListStageSessions(std::string stage, std::string next,
                                                              int max) override {
        auto t = Clock::now();
        auto res = co_await inner_->ListStageSessions(std::move(stage), std::move(next), max);
        co_return Record("ListStageSessions", t, std::move(res));
    }
    Async<void> StartParticipantReplication(ports::ReplicationRequest r) override {
        auto t = Clock::now();
        auto res = co_await inner_->StartParticipantReplication(std::move(r));
        co_return Record("StartParticipantReplication", t, std::move(res));
    }
    Async<void> StopParticipantReplication(std::string source, std::string destination,
                                           std::string participant) override {
        auto t = Clock::now();
        auto res = co_await inner_->StopParticipantReplication(
            std::move(source), std::move(destination), std::move(participant));
        co_return Record("StopParticipantReplication", t, std::move(res));
    }
    Async<ports::Page<ports::ParticipantReplica>> ListParticipantReplicas(
        std::string source, std::string participant, std::string next, int max) override {
        auto t = Clock::now();
        auto res = co_await inner_->ListParticipantReplicas(std::move(source),
                                                            std::move(participant),
                                                            std::move(next), max);
        co_return Record("ListParticipantReplicas", t, std::move(res));
    }
    Async<ports::PublicKey> ImportPublicKey(std::string material, std::string name,
                                            ports::Tags tags) override {
        auto t = Clock::now();
        auto res = co_await inner_->ImportPublicKey(std::move(material), std::move(name),
                                                    std::move(tags));
        co_return Record("ImportPublicKey", t, std::move(res));
    }
    Async<ports::PublicKey> GetPublicKey(std::string arn) override {
        auto t = Clock::now();
        auto res = co_await inner_->GetPublicKey(std::move(arn));
        co_return Record("GetPublicKey", t, std::move(res));
    }
    Async<ports::Page<ports::PublicKey>> ListPublicKeys(std::string next, int max) override {
        auto t = Clock::now();
        auto res = co_await inner_->ListPublicKeys(std::move(next), max);
        co_return Record("ListPublicKeys", t, std::move(res));
    }
    Async<void> DeletePublicKey(std::string arn) override {
        auto t = Clock::now();
        auto res = co_await inner_->DeletePublicKey(std::move(arn));
        co_return Record("DeletePublicKey", t, std::move(res));
    }
    Async<void> TagResource(std::string arn, ports::Tags tags) override {
        auto t = Clock::now();
        auto res = co_await inner_->TagResource(std::move(arn), std::move(tags));
        co_return Record("TagResource", t, std::move(res));
    }
    Async<void> UntagResource(std::string arn, std::vector<std::string> keys) override {
        auto t = Clock::now();
        auto res = co_await inner_->UntagResource(std::move(arn), std::move(keys));
        co_return Record("UntagResource", t, std::move(res));
    }
    Async<ports::Tags> ListTagsForResource(std::string arn) override {
        auto t = Clock::now();
        auto res = co_await inner_->ListTagsForResource(std::move(arn));
        co_return Record("ListTagsForResource", t, std::move(res));
    }

private:
    template <class R>
    R Record(const char* operation, Clock::time_point start, R result) {
        std::chrono::duration<double> elapsed = Clock::now() - start;
        std::string outcome = result ? std::string("success")
                                     : std::string(ErrcName(result.error().code));
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
