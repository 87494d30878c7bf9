#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>

#include "adapters/redis/redis_client.hpp"
#include "ports/history_store.hpp"
#include "ports/leadership.hpp"

namespace ivs::adapters::redis {

struct SessionStreamOptions {
    std::size_t max_stream_length = 1'000'000;  // XADD MAXLEN ~ (unprocessed entries)
    std::size_t max_local_queue = 100'000;      // events waiting while Redis is unreachable
    std::size_t batch_size = 500;               // entries per history-store transaction
    std::chrono::milliseconds poll_interval{200};
    std::chrono::milliseconds claim_idle{15'000};  // a dead consumer's entries are taken after
};

// The durable outbox of session events in Redis mode.
//
// Session starts and ends are appended to the same stream by the hot store's scripts (see
// redis_hot_store_scripts.hpp), atomically with the change; this writer carries what else is
// published. Writing (every instance): Publish / RecordHeartbeats queue locally (capped; the oldest are
// dropped and logged beyond `max_local_queue`) and a background writer XADDs them to the stream
// `Poutbox`, retrying while Redis is down. Never blocks the caller.
//
// Draining (the lease holder only, after StartDrain): reads batches with XREADGROUP (consumer
// group "history", consumer = instance id), applies them to the history store in one
// transaction and XACKs + XDELs them only after it commits. Entries a consumer read but never
// acknowledged (crash, PostgreSQL outage) are read again: its own on the next pass, a dead
// instance's through XAUTOCLAIM once idle for `claim_idle`. The history store applies
// idempotently, so a retry never duplicates a row. Thread-safe.
class RedisSessionStream : public ports::HistorySink {
public:
    virtual void StartDrain(std::shared_ptr<ports::HistoryStore> store,
                            std::shared_ptr<ports::Leadership> leadership) = 0;
    // Stops draining and gives the writer up to `grace` to flush the local queue.
    virtual boost::asio::awaitable<void> Stop(std::chrono::milliseconds grace) = 0;
    virtual std::size_t QueuedLocally() const = 0;
};

std::shared_ptr<RedisSessionStream> MakeRedisSessionStream(boost::asio::io_context& ioc,
                                                           std::shared_ptr<RedisClient> client,
                                                           std::string consumer_name,
                                                           SessionStreamOptions options = {});

}  // namespace ivs::adapters::redis
