#include "app/shared_secret.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <stdexcept>

#include "adapters/redis/redis_client.hpp"
#include "app/adapter_options.hpp"
#include "core/crypto.hpp"
#include "core/random.hpp"

namespace ivs {
namespace asio = boost::asio;
namespace redis = adapters::redis;

namespace {

// Stores ARGV[1] unless the key holds a secret already, and answers the one stored: one
// script, so the set-if-absent and the read cannot be split by a concurrent delete.
const redis::RedisScript& SetOnceScript() {
    static const redis::RedisScript script(
        "redis.call('SET', KEYS[1], ARGV[1], 'NX')\n"
        "return redis.call('GET', KEYS[1])\n");
    return script;
}

constexpr std::size_t kMinSecretLength = 16;

struct SecretFetch {
    std::shared_ptr<redis::RedisClient> client;
    std::string key;
    std::string candidate;
    std::chrono::steady_clock::time_point deadline;
    std::optional<std::string> secret;
    std::string last_error = "no answer";
};

// Retries while Redis is unreachable (commands fail at once while the connection is down).
asio::awaitable<void> FetchSecret(SecretFetch& f) {
    asio::steady_timer pause(co_await asio::this_coro::executor);
    while (std::chrono::steady_clock::now() < f.deadline) {
        // Named vectors, not braced lists inside co_await (GCC 12 coroutine temporaries).
        std::vector<std::string> keys{f.key};
        std::vector<std::string> args{f.candidate};
        auto r = co_await f.client->Eval(SetOnceScript(), std::move(keys), std::move(args));
        if (r && r->type == redis::RedisReply::Type::string &&
            r->Text().size() >= kMinSecretLength) {
            f.secret = r->Text();
            co_return;
        }
        f.last_error = r ? "the stored value is not a usable secret (" + f.key + ")"
                         : r.error().message;
        pause.expires_after(std::chrono::milliseconds(100));
        co_await pause.async_wait(asio::use_awaitable);
    }
}

}  // namespace

std::string SharedRedisSecret(const Config& config, const std::string& name,
                              std::chrono::seconds wait) {
    asio::io_context ioc;
    redis::RedisOptions options = RedisOptionsOf(config);
    options.connections = 1;
    auto client = redis::MakeRedisClient(ioc, options);
    const std::string key = client->KeyPrefix() + name;
    const std::string candidate = HexEncode(RandomBytes(32));
    const auto deadline = std::chrono::steady_clock::now() + wait;

    SecretFetch fetch{client, key, candidate, deadline};
    asio::co_spawn(ioc, FetchSecret(fetch), [&ioc, client](std::exception_ptr) {
        client->Stop();
        ioc.stop();
    });
    ioc.run_for(wait + std::chrono::seconds(5));
    const std::optional<std::string>& secret = fetch.secret;
    const std::string& last_error = fetch.last_error;
    if (!secret) {
        throw std::runtime_error("SESSION_SECRET is not set and the shared one could not be read "
                                 "from Redis " + config.redis_host + ":" +
                                 std::to_string(config.redis_port) + " (" + last_error +
                                 "): make Redis reachable or set SESSION_SECRET");
    }
    return *secret;
}

}  // namespace ivs
