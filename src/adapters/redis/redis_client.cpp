#include "adapters/redis/redis_client.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <thread>

#include "adapters/redis/redis_connection.hpp"
#include "core/crypto.hpp"

namespace ivs::adapters::redis {
namespace asio = boost::asio;

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(source_.data(), source_.size(), digest, &len, EVP_sha1(), nullptr);
    sha1_ = HexEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

namespace {

// Error replies of a Redis that is up but cannot serve yet (loading its data after a restart,
// busy with a script, a replica without its primary): the caller may retry, as when Redis is
// down.
bool TransientErrorReply(std::string_view text) {
    for (std::string_view prefix : {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"}) {
        if (text.substr(0, prefix.size()) == prefix) return true;
    }
    return false;
}

Result<RedisReply> RejectErrorReply(Result<RedisReply> r) {
    if (r && r->IsError()) {
        if (TransientErrorReply(r->str)) {
            spdlog::debug("Redis not ready: {}", r->str);
            return Error(Errc::unavailable, "Redis is unavailable");
        }
        spdlog::warn("Redis error reply: {}", r->str);
        return Error(Errc::internal, "Unexpected answer from Redis");
    }
    return r;
}

class RedisClientImpl final : public RedisClient {
public:
    RedisClientImpl(asio::io_context& ioc, RedisOptions options)
        : options_(std::move(options)), ex_(ioc.get_executor()) {
        std::shared_ptr<asio::ssl::context> tls = MakeTlsContext(options_);
        int n = std::max(1, options_.connections);
        for (int i = 0; i < n; ++i) {
            conns_.push_back(std::make_shared<Connection>(ioc, options_, tls));
        }
        for (auto& c : conns_) c->Start();
    }
    ~RedisClientImpl() override { Stop(); }

    asio::awaitable<Result<RedisReply>> Execute(std::vector<std::string> args) override {
        co_return co_await Send(FormatCommand(args));
    }

    asio::awaitable<Result<RedisReply>> Command(std::vector<std::string> args) override {
        auto r = co_await Execute(std::move(args));
        co_return RejectErrorReply(std::move(r));
    }

    asio::awaitable<Result<RedisReply>> Eval(const RedisScript& script,
                                             std::vector<std::string> keys,
                                             std::vector<std::string> args) override {
        std::vector<std::string> cmd;
        cmd.reserve(3 + keys.size() + args.size());
        cmd.push_back("EVALSHA");
        cmd.push_back(script.sha1());
        cmd.push_back(std::to_string(keys.size()));
        for (auto& k : keys) cmd.push_back(std::move(k));
        for (auto& a : args) cmd.push_back(std::move(a));
        auto r = co_await Send(FormatCommand(cmd));
        if (r && r->IsError() && r->str.rfind("NOSCRIPT", 0) == 0) {
            cmd[0] = "EVAL";
            cmd[1] = script.source();
            r = co_await Send(FormatCommand(cmd));
        }
        co_return RejectErrorReply(std::move(r));
    }

    bool Connected() const override { return ReadyConnections() > 0; }

    int ReadyConnections() const override {
        int n = 0;
        for (const auto& c : conns_) n += c->Ready() ? 1 : 0;
        return n;
    }

    bool WaitConnected(std::chrono::milliseconds timeout) const override {
        auto until = std::chrono::steady_clock::now() + timeout;
        while (!Connected()) {
            if (std::chrono::steady_clock::now() >= until) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return true;
    }

    std::chrono::milliseconds ClockOffset() const override {
        for (const auto& c : conns_) {
            if (c->Ready()) return c->ClockOffset();
        }
        return conns_.front()->ClockOffset();
    }

    const std::string& KeyPrefix() const override { return options_.key_prefix; }
    const RedisOptions& Options() const override { return options_; }

    void Stop() override {
        if (stopped_.exchange(true)) return;
        for (auto& c : conns_) c->Stop();
    }

private:
    // Sends one command, already in RESP, on the next connection.
    asio::awaitable<Result<RedisReply>> Send(std::string cmd) {
        // Named, not a temporary inside the co_await expression (GCC 12 coroutine temporaries).
        auto initiation = [conn = Pick(), ex = ex_](auto handler, std::string formatted) {
            conn->Submit(std::move(formatted), MakeReplyCallback(std::move(handler), ex));
        };
        auto result = co_await asio::async_initiate<const asio::use_awaitable_t<>&,
                                                    void(Result<RedisReply>)>(
            std::move(initiation), asio::use_awaitable, std::move(cmd));
        // One stalled connection means a stalled Redis: every connection stops waiting and
        // fails fast until its probe succeeds.
        if (!result && result.error().code == Errc::timeout) {
            for (auto& c : conns_) c->Trip();
        }
        co_return result;
    }

    std::shared_ptr<Connection> Pick() {
        std::size_t start = next_.fetch_add(1, std::memory_order_relaxed);
        for (std::size_t i = 0; i < conns_.size(); ++i) {
            auto& c = conns_[(start + i) % conns_.size()];
            if (c->Ready()) return c;
        }
        return conns_[start % conns_.size()];
    }

    RedisOptions options_;
    asio::io_context::executor_type ex_;
    std::vector<std::shared_ptr<Connection>> conns_;
    std::atomic<std::size_t> next_{0};
    std::atomic<bool> stopped_{false};
};

}  // namespace

std::shared_ptr<RedisClient> MakeRedisClient(asio::io_context& ioc, RedisOptions options) {
    return std::make_shared<RedisClientImpl>(ioc, std::move(options));
}

}  // namespace ivs::adapters::redis
