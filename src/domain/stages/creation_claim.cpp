#include "domain/stages/creation_claim.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ivs::stages {

boost::asio::awaitable<void> KeepClaimUntilDone(std::shared_ptr<ports::StageDemand> demand,
                                                const Clock* clock, std::chrono::seconds ttl,
                                                std::string claim_id,
                                                std::shared_ptr<std::atomic<bool>> done) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    for (;;) {
        timer.expires_after(ttl / 3);
        auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        if (ec || done->load()) co_return;
        (void)co_await demand->Extend(claim_id, clock->Now() + ttl);
    }
}

}  // namespace ivs::stages
