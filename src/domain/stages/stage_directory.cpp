#include "domain/stages/stage_directory.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ivs::stages {

namespace {
// A burst of joins on a stage this instance has not seen yet misses the cache all at once; the
// GetStage calls then overflow the IVS client's per-operation queue (5 TPS, shared quota) and
// come back rate_limited without the client's own retries. Such a lookup waits and tries again
// (the stage_created event of the creating instance usually fills the cache meanwhile), 100 ms
// doubling, about 1.5 s in all. (One lookup in flight per stage would make this unneeded.)
constexpr int kThrottledAttempts = 5;
constexpr auto kFirstBackOff = std::chrono::milliseconds(100);
}  // namespace

std::optional<ports::StageEndpoints> StageDirectory::Cached(const std::string& arn) const {
    std::lock_guard lock(mu_);
    auto it = endpoints_.find(arn);
    if (it == endpoints_.end()) return std::nullopt;
    return it->second;
}

boost::asio::awaitable<Result<ports::StageEndpoints>> StageDirectory::Endpoints(std::string arn) {
    auto back_off = kFirstBackOff;
    for (int attempt = 1;; ++attempt) {
        if (auto cached = Cached(arn)) co_return *cached;
        auto stage = co_await ivs_->GetStage(arn);
        if (stage) {
            Remember(*stage);
            co_return stage->endpoints;
        }
        if (stage.error().code != Errc::rate_limited || attempt == kThrottledAttempts) {
            co_return stage.error();
        }
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, back_off);
        co_await timer.async_wait(boost::asio::use_awaitable);
        back_off *= 2;
    }
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

void StageDirectory::RememberMaster(std::string arn) {
    std::lock_guard lock(mu_);
    master_arn_ = std::move(arn);
}

ports::StageEndpointLookup EndpointLookup(std::shared_ptr<StageDirectory> directory) {
    return [directory = std::move(directory)](std::string arn) {
        return directory->Endpoints(std::move(arn));
    };
}

}  // namespace ivs::stages
