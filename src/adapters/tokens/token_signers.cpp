#include "adapters/tokens/token_signers.hpp"

#include <chrono>
#include <mutex>
#include <unordered_map>

#include "adapters/tokens/participant_jwt.hpp"
#include "core/random.hpp"

namespace ivs::tokens {
namespace {

class SelfTokenSigner final : public ports::TokenSigner {
public:
    SelfTokenSigner(ports::StageEndpointLookup endpoints,
                    std::shared_ptr<const Es384Signer> signer, std::string kid, Clock& clock)
        : endpoints_(std::move(endpoints)),
          signer_(std::move(signer)),
          kid_(std::move(kid)),
          clock_(clock) {}

    boost::asio::awaitable<Result<ports::ParticipantToken>> Issue(
        ports::CreateTokenRequest request) override {
        if (auto st = ValidateTokenRequest(request); !st) co_return st.error();
        if (request.capabilities.empty()) {
            co_return InvalidFields({"capabilities"}, "capabilities must not be empty");
        }
        auto endpoints = co_await endpoints_(request.stage_arn);
        if (!endpoints) co_return endpoints.error();

        ParticipantClaims c;
        c.participant_id =
            request.participant_id.empty() ? NewParticipantId() : request.participant_id;
        c.stage_arn = request.stage_arn;
        c.topic = StageIdFromArn(request.stage_arn);
        c.events_url = endpoints->events;
        c.whip_url = endpoints->whip;
        for (auto cap : request.capabilities) {
            (cap == ports::Capability::publish ? c.allow_publish : c.allow_subscribe) = true;
        }
        c.user_id = request.user_id;
        c.attributes = request.attributes;
        c.issued_at = std::chrono::floor<std::chrono::seconds>(clock_.Now());
        c.expires_at = c.issued_at + std::chrono::minutes(request.duration_minutes);
        auto token = EncodeParticipantToken(*signer_, kid_, c);
        if (!token) co_return Error(Errc::token_generation_failed, "token signing failed");

        ports::ParticipantToken out;
        out.token = std::move(*token);
        out.participant_id = c.participant_id;
        out.user_id = request.user_id;
        out.attributes = request.attributes;
        out.capabilities = request.capabilities;
        out.duration_minutes = request.duration_minutes;
        out.expiration_time = c.expires_at;
        co_return out;
    }

    std::string_view Kind() const override { return "self"; }
    std::string NewParticipantId() const override { return RandomAlnum(12); }

private:
    ports::StageEndpointLookup endpoints_;
    std::shared_ptr<const Es384Signer> signer_;
    std::string kid_;
    Clock& clock_;
};

class ApiTokenSigner final : public ports::TokenSigner {
public:
    explicit ApiTokenSigner(std::shared_ptr<ports::IvsClient> ivs) : ivs_(std::move(ivs)) {}

    boost::asio::awaitable<Result<ports::ParticipantToken>> Issue(
        ports::CreateTokenRequest request) override {
        co_return co_await ivs_->CreateParticipantToken(std::move(request));
    }

    std::string_view Kind() const override { return "api"; }

private:
    std::shared_ptr<ports::IvsClient> ivs_;
};

}  // namespace

Status ValidateTokenRequest(const ports::CreateTokenRequest& r) {
    if (r.stage_arn.empty()) return MissingFields({"stageArn"}, "stageArn is required");
    if (r.duration_minutes < 1 || r.duration_minutes > 20160) {
        return InvalidFields({"duration"}, "duration must be between 1 and 20160 minutes");
    }
    if (r.user_id.size() > 128) {
        return InvalidFields({"userId"}, "userId must be at most 128 characters");
    }
    std::size_t attr_bytes = 0;
    for (const auto& [k, v] : r.attributes) attr_bytes += k.size() + v.size();
    if (attr_bytes > 1024) {
        return InvalidFields({"attributes"}, "attributes must be at most 1 KB in total");
    }
    if (r.capabilities.size() > 2) {
        return InvalidFields({"capabilities"}, "at most two capabilities");
    }
    return Ok();
}

std::shared_ptr<ports::TokenSigner> MakeSelfTokenSigner(ports::StageEndpointLookup endpoints,
                                                        const Es384Key& key,
                                                        std::string public_key_arn, Clock& clock,
                                                        Es384Library library) {
    return std::make_shared<SelfTokenSigner>(std::move(endpoints), MakeEs384Signer(key, library),
                                             std::move(public_key_arn), clock);
}

std::shared_ptr<ports::TokenSigner> MakeApiTokenSigner(std::shared_ptr<ports::IvsClient> ivs) {
    return std::make_shared<ApiTokenSigner>(std::move(ivs));
}

}  // namespace ivs::tokens
