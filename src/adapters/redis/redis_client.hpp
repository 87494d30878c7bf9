#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "adapters/redis/redis_reply.hpp"
#include "core/error.hpp"

namespace ivs::adapters::redis {

struct RedisOptions {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string password;  // AUTH when not empty
    int db = 0;            // SELECT when not 0
    bool tls = false;      // TLS with peer and host-name verification
    std::string tls_ca_file;  // PEM CA bundle for the server's certificate; system store if empty
    std::string key_prefix;
    std::chrono::milliseconds command_timeout{2000};
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds max_backoff{1000};
    int connections = 2;
    std::size_t max_pending = 20000;  // commands queued or in flight, per connection
};

// A Lua script run by EVALSHA, falling back to EVAL when Redis lost its script cache.
class RedisScript {
public:
    explicit RedisScript(std::string source);
    const std::string& source() const { return source_; }
    const std::string& sha1() const { return sha1_; }

private:
    std::string source_;
    std::string sha1_;
};

// Redis over Asio: hiredis is used only to format commands and parse RESP. Concurrent commands
// are pipelined onto `connections` connections; each connection reconnects by itself with
// backoff (AUTH, SELECT and TLS redone every time).
//
// Errors: Errc::unavailable at once while the connection is down or its queue is full (no call
// waits for Redis to come back); Errc::timeout when Redis does not answer within
// `command_timeout` (then every connection is reset and answers Errc::unavailable at once until
// a TIME probe on it is answered: a circuit breaker); Errc::internal for an error reply
// (`Command`, `Eval`). Thread-safe; the returned awaitables may run on any executor.
class RedisClient {
public:
    virtual ~RedisClient() = default;

    // Error replies come back as values (RedisReply::Type::error).
    virtual boost::asio::awaitable<Result<RedisReply>> Execute(std::vector<std::string> args) = 0;
    // Error replies become Errc::internal; replies of a Redis not ready to serve (LOADING, BUSY,
    // MASTERDOWN, TRYAGAIN, CLUSTERDOWN) become Errc::unavailable.
    virtual boost::asio::awaitable<Result<RedisReply>> Command(std::vector<std::string> args) = 0;
    virtual boost::asio::awaitable<Result<RedisReply>> Eval(const RedisScript& script,
                                                             std::vector<std::string> keys,
                                                             std::vector<std::string> args) = 0;

    // True when at least one connection is established.
    virtual bool Connected() const = 0;
    // Connections established now, of Options().connections.
    virtual int ReadyConnections() const = 0;
    // Waits (blocking the caller, not an I/O thread) until connected or `timeout` passes.
    virtual bool WaitConnected(std::chrono::milliseconds timeout) const = 0;
    // Redis's clock minus this host's, as measured on connecting (zero until connected).
    virtual std::chrono::milliseconds ClockOffset() const = 0;
    virtual const std::string& KeyPrefix() const = 0;
    virtual const RedisOptions& Options() const = 0;
    // Closes every connection; later calls fail with Errc::unavailable.
    virtual void Stop() = 0;
};

std::shared_ptr<RedisClient> MakeRedisClient(boost::asio::io_context& ioc, RedisOptions options);

}  // namespace ivs::adapters::redis
