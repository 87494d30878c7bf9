#include "adapters/redis/redis_hot_store.hpp"

#include <boost/asio/executor_work_guard.hpp>

#include "core/random.hpp"
#include "hot_store_contract.hpp"

namespace ivs::test {
namespace {

// One I/O context for every Redis client of this suite; each test case gets its own client and
// a fresh key prefix, so cases never see each other's keys.
class RedisIo {
public:
    RedisIo() : guard_(ioc_.get_executor()) {
        for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
    }
    ~RedisIo() {
        guard_.reset();
        ioc_.stop();
        for (auto& t : threads_) t.join();
    }
    boost::asio::io_context& ioc() { return ioc_; }

private:
    boost::asio::io_context ioc_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::vector<std::thread> threads_;
};

RedisIo& Io() {
    static RedisIo io;
    return io;
}

std::shared_ptr<ports::HotStore> MakeStore() {
    auto port = HarnessEnv("IVS_TEST_REDIS_PORT");
    if (!port) return nullptr;
    adapters::redis::RedisOptions o;
    o.host = HarnessEnv("IVS_TEST_REDIS_HOST").value_or("127.0.0.1");
    o.port = std::stoi(*port);
    o.db = 7;
    o.key_prefix = "contract:" + RandomAlnum(10) + ":";
    auto client = adapters::redis::MakeRedisClient(Io().ioc(), o);
    return adapters::redis::MakeRedisHotStore(client);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Redis, HotStoreContract,
                         ::testing::Values(HotStoreFactory{"redis", [] { return MakeStore(); }}),
                         HotStoreFactoryName);

}  // namespace ivs::test
