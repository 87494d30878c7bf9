#include "domain/stages/creation_claim.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ivs::stages {

boost::asio::awaitable<void> KeepClaimWhile(std::shared_ptr<ports::StageDemand> demand,
                                            const Clock* clock, std::chrono::seconds ttl,
                                            std::string claim_id,
                                            std::weak_ptr<const bool> creating) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    for (;;) {
        timer.expires_after(ttl / 3);
        auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        if (ec || creating.expired()) co_return;
        (void)co_await demand->Extend(claim_id, clock->Now() + ttl);
    }
}

}  // namespace ivs::stages
