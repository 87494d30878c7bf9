#include "adapters/ivs/emulator_ivs_client.hpp"

namespace ivs::emulator {
namespace {

// The emulator answers synchronously; each call computes its result first and hands it back
// through an awaitable that completes without suspending.
template <class T>
boost::asio::awaitable<Result<T>> Ready(Result<T> result) {
    co_return result;
}

class EmulatorIvsClient final : public ports::IvsClient {
public:
    explicit EmulatorIvsClient(std::shared_ptr<Emulator> emulator) : emu_(std::move(emulator)) {}

    Async<ports::Stage> CreateStage(ports::CreateStageRequest request) override {
        if (auto f = Fault()) return Ready<ports::Stage>(std::move(*f));
        return Ready<ports::Stage>(emu_->CreateStage(request));
    }
    Async<ports::Stage> GetStage(std::string arn) override {
        if (auto f = Fault()) return Ready<ports::Stage>(std::move(*f));
        return Ready<ports::Stage>(emu_->GetStage(arn));
    }
    Async<ports::Stage> UpdateStage(std::string arn, std::string name) override {
        if (auto f = Fault()) return Ready<ports::Stage>(std::move(*f));
        return Ready<ports::Stage>(emu_->UpdateStage(arn, name));
    }
    Async<void> DeleteStage(std::string arn) override {
        if (auto f = Fault()) return Ready<void>(std::move(*f));
        return Ready<void>(emu_->DeleteStage(arn));
    }
    Async<ports::Page<ports::StageSummary>> ListStages(std::string next_token,
                                                       int max_results) override {
        if (auto f = Fault()) return Ready<ports::Page<ports::StageSummary>>(std::move(*f));
        return Ready<ports::Page<ports::StageSummary>>(emu_->ListStages(next_token, max_results));
    }
    Async<ports::ParticipantToken> CreateParticipantToken(
        ports::CreateTokenRequest request) override {
        if (auto f = Fault()) return Ready<ports::ParticipantToken>(std::move(*f));
        return Ready<ports::ParticipantToken>(emu_->CreateParticipantToken(request));
    }
    Async<void> DisconnectParticipant(std::string stage_arn, std::string participant_id,
                                      std::string reason) override {
        if (auto f = Fault()) return Ready<void>(std::move(*f));
        return Ready<void>(emu_->DisconnectParticipant(stage_arn, participant_id, reason));
    }
    Async<ports::Page<ports::ParticipantSummary>> ListParticipants(
        ports::ListParticipantsRequest request) override {
        if (auto f = Fault()) return Ready<ports::Page<ports::ParticipantSummary>>(std::move(*f));
        return Ready<ports::Page<ports::ParticipantSummary>>(emu_->ListParticipants(request));
    }
    Async<ports::Page<ports::StageSession>> ListStageSessions(std::string stage_arn,
                                                              std::string next_token,
                                                              int max_results) override {
        if (auto f = Fault()) return Ready<ports::Page<ports::StageSession>>(std::move(*f));
        return Ready<ports::Page<ports::StageSession>>(emu_->ListStageSessions(stage_arn, next_token, max_results));
    }
    Async<void> StartParticipantReplication(ports::ReplicationRequest request) override {
        if (auto f = Fault()) return Ready<void>(std::move(*f));
        return Ready<void>(emu_->StartParticipantReplication(request));
    }
    Async<void> StopParticipantReplication(std::string source_stage_arn,
                                           std::string destination_stage_arn,
                                           std::string participant_id) override {
        if (auto f = Fault()) return Ready<void>(std::move(*f));
        return Ready<void>(emu_->StopParticipantReplication(source_stage_arn, destination_stage_arn,
                                                   participant_id));
    }
    Async<ports::Page<ports::ParticipantReplica>> ListParticipantReplicas(
        std::string source_stage_arn, std::string participant_id, std::string next_token,
        int max_results) override {
        if (auto f = Fault()) return Ready<ports::Page<ports::ParticipantReplica>>(std::move(*f));
        return Ready<ports::Page<ports::ParticipantReplica>>(emu_->ListParticipantReplicas(source_stage_arn, participant_id, next_token,
                                                max_results));
    }
    Async<ports::PublicKey> ImportPublicKey(std::string public_key_material, std::string name,
                                            ports::Tags tags) override {
        if (auto f = Fault()) return Ready<ports::PublicKey>(std::move(*f));
        return Ready<ports::PublicKey>(emu_->ImportPublicKey(public_key_material, name, tags));
    }
    Async<ports::PublicKey> GetPublicKey(std::string arn) override {
        if (auto f = Fault()) return Ready<ports::PublicKey>(std::move(*f));
        return Ready<ports::PublicKey>(emu_->GetPublicKey(arn));
    }
    Async<ports::Page<ports::PublicKey>> ListPublicKeys(std::string next_token,
                                                        int max_results) override {
        if (auto f = Fault()) return Ready<ports::Page<ports::PublicKey>>(std::move(*f));
        return Ready<ports::Page<ports::PublicKey>>(emu_->ListPublicKeys(next_token, max_results));
    }
    Async<void> DeletePublicKey(std::string arn) override {
        if (auto f = Fault()) return Ready<void>(std::move(*f));
        return Ready<void>(emu_->DeletePublicKey(arn));
    }
    Async<void> TagResource(std::string arn, ports::Tags tags) override {
        if (auto f = Fault()) return Ready<void>(std::move(*f));
        return Ready<void>(emu_->TagResource(arn, tags));
    }
    Async<void> UntagResource(std::string arn, std::vector<std::string> keys) override {
        if (auto f = Fault()) return Ready<void>(std::move(*f));
        return Ready<void>(emu_->UntagResource(arn, keys));
    }
    Async<ports::Tags> ListTagsForResource(std::string arn) override {
        if (auto f = Fault()) return Ready<ports::Tags>(std::move(*f));
        return Ready<ports::Tags>(emu_->ListTagsForResource(arn));
    }

private:
    std::optional<Error> Fault() {
        emu_->CountApiCall();
        auto f = emu_->TakeFault();
        if (!f) return std::nullopt;
        Error e = IvsError(f->error_type, f->message);
        if (f->status == 429) e.code = Errc::rate_limited;
        else if (f->status >= 500) e.code = Errc::unavailable;
        return e;
    }

    std::shared_ptr<Emulator> emu_;
};

}  // namespace

std::shared_ptr<ports::IvsClient> MakeEmulatorIvsClient(std::shared_ptr<Emulator> emulator) {
    return std::make_shared<EmulatorIvsClient>(std::move(emulator));
}

}  // namespace ivs::emulator
