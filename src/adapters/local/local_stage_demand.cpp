#include "adapters/local/local_stage_demand.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include "core/crypto.hpp"
#include "core/random.hpp"

namespace ivs::adapters {
namespace {

using ports::ClaimRequest;
using ports::DemandView;

class LocalStageDemand final : public ports::StageDemand {
public:
    explicit LocalStageDemand(std::shared_ptr<ports::HotStore> hot) : hot_(std::move(hot)) {}

    Async<void> AddWaiting(std::string join_id, SystemTime until) override {
        std::lock_guard lock(mu_);
        waiting_[std::move(join_id)] = until;
        co_return Ok();
    }

    Async<void> RemoveWaiting(std::string join_id) override {
        std::lock_guard lock(mu_);
        waiting_.erase(join_id);
        co_return Ok();
    }

    Async<std::vector<std::string>> Claim(ClaimRequest rq) override {
        for (;;) {
            std::uint64_t seen = 0;
            {
                std::lock_guard lock(mu_);
                seen = releases_;
            }
            // A stage is registered before its claim is released: a release seen between the
            // registry read and the grant would count that stage twice as absent, so start over.
            auto stages = co_await hot_->ListStages(rq.now);
            if (!stages) co_return stages.error();
            std::lock_guard lock(mu_);
            if (releases_ != seen) continue;
            Prune(rq.now);
            const int registered = static_cast<int>(stages->size());
            const int active = static_cast<int>(
                std::count_if(stages->begin(), stages->end(), [](const ports::StageRecord& s) {
                    return s.state == ports::StageState::active;
                }));
            const int creating = static_cast<int>(claims_.size());
            const int n = std::min({rq.want, rq.target_active - active - creating,
                                    rq.limit - registered - creating});
            std::vector<std::string> out;
            for (int i = 0; i < n; ++i) {
                std::string id = HexEncode(RandomBytes(8));
                claims_[id] = rq.until;
                out.push_back(std::move(id));
            }
            co_return out;
        }
    }

    Async<void> Release(std::string claim_id) override {
        std::lock_guard lock(mu_);
        if (claims_.erase(claim_id) > 0) ++releases_;
        co_return Ok();
    }

    Async<bool> Extend(std::string claim_id, SystemTime until) override {
        std::lock_guard lock(mu_);
        auto it = claims_.find(claim_id);
        if (it == claims_.end()) co_return false;
        it->second = until;
        co_return true;
    }

    Async<bool> ClaimLive(std::string claim_id, SystemTime now) override {
        std::lock_guard lock(mu_);
        auto it = claims_.find(claim_id);
        co_return it != claims_.end() && it->second > now;
    }

    Async<DemandView> View(SystemTime now) override {
        std::lock_guard lock(mu_);
        Prune(now);
        co_return DemandView{static_cast<int>(waiting_.size()), static_cast<int>(claims_.size())};
    }

private:
    void Prune(SystemTime now) {
        std::erase_if(waiting_, [&](const auto& w) { return w.second <= now; });
        const auto before = claims_.size();
        std::erase_if(claims_, [&](const auto& c) { return c.second <= now; });
        if (claims_.size() != before) ++releases_;
    }

    std::shared_ptr<ports::HotStore> hot_;
    std::mutex mu_;
    std::map<std::string, SystemTime> waiting_;
    std::map<std::string, SystemTime> claims_;
    std::uint64_t releases_ = 0;
};

}  // namespace

std::shared_ptr<ports::StageDemand> MakeLocalStageDemand(std::shared_ptr<ports::HotStore> hot) {
    return std::make_shared<LocalStageDemand>(std::move(hot));
}

}  // namespace ivs::adapters
