#pragma once

#include <boost/asio/awaitable.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "ports/ivs_client.hpp"

namespace ivs::stages {

// Stage endpoints (WHIP, events, RTMP) by stage ARN, cached: IVS documents them as stable for
// the life of a stage, so one GetStage per stage is enough. Also knows the master stage's ARN
// once the registry has resolved it. Thread-safe.
//
// One per process (AppContext::stage_directory).
class StageDirectory {
public:
    explicit StageDirectory(std::shared_ptr<ports::IvsClient> ivs) : ivs_(std::move(ivs)) {}

    // Cached endpoints; a GetStage on a miss (retried a few times, backing off, when IVS
    // throttles it). Errors: those of GetStage (not_found, unavailable, rate_limited).
    boost::asio::awaitable<Result<ports::StageEndpoints>> Endpoints(std::string arn);

    void Remember(const ports::Stage& stage);
    void Forget(const std::string& arn);

    // The master stage's ARN; empty until the registry has resolved it (RememberMaster, when
    // the registry starts).
    std::string MasterArn() const;
    void RememberMaster(std::string arn);

private:
    std::optional<ports::StageEndpoints> Cached(const std::string& arn) const;

    std::shared_ptr<ports::IvsClient> ivs_;
    mutable std::mutex mu_;
    std::map<std::string, ports::StageEndpoints> endpoints_;
    std::string master_arn_;
};

// The directory as the token signer's endpoint lookup (keeps the directory alive).
ports::StageEndpointLookup EndpointLookup(std::shared_ptr<StageDirectory> directory);

}  // namespace ivs::stages
