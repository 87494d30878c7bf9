#include "domain/stages/stage_directory.hpp"

namespace ivs::stages {

boost::asio::awaitable<Result<ports::StageEndpoints>> StageDirectory::Endpoints(std::string arn) {
    {
        std::lock_guard lock(mu_);
        auto it = endpoints_.find(arn);
        if (it != endpoints_.end()) co_return it->second;
    }
    auto stage = co_await ivs_->GetStage(arn);
    if (!stage) co_return stage.error();
    Remember(*stage);
    co_return stage->endpoints;
}

void StageDirectory::Remember(const ports::Stage& stage) {
    std::lock_guard lock(mu_);
    endpoints_[stage.arn] = stage.endpoints;
}

void StageDirectory::Forget(const std::string& arn) {
    std::lock_guard lock(mu_);
    endpoints_.erase(arn);
}

std::string StageDirectory::MasterArn() const {
    std::lock_guard lock(mu_);
    return master_arn_;
}

void StageDirectory::SetMasterArn(std::string arn) {
    std::lock_guard lock(mu_);
    master_arn_ = std::move(arn);
}

}  // namespace ivs::stages
