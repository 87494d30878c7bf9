// A hung PostgreSQL (a private server SIGSTOPped, postmaster and backends): the history store's
// circuit breaker opens after the first unanswered call, so no later call waits for the server,
// and it closes by itself once the server answers again.

#include <gtest/gtest.h>

#include <csignal>

#include "../contract/history_test_util.hpp"
#include "adapters/history/postgres/pg_history_store.hpp"

namespace ivs::test {
namespace {

using adapters::history::PgHistoryStore;

TEST(HistoryPostgresHung, AfterAnUnansweredCallEveryCallFailsAtOnceUntilPostgresAnswers) {
    IVS_REQUIRE_HARNESS("IVS_TEST_HARNESS_DIR");
    IVS_REQUIRE_HARNESS("IVS_TEST_PG_PORT");
    PrivatePostgres pg;
    ASSERT_TRUE(pg.Start());
    auto options = pg.Options();
    options.statement_timeout_ms = 1000;  // the client gives a statement up after 2 s
    auto store = std::make_shared<PgHistoryStore>(options, std::chrono::seconds(10));
    ASSERT_TRUE(RunAwait(store->Ping()));
    ASSERT_TRUE(RunAwait(store->History("u1", 10, "")));
    EXPECT_FALSE(store->BreakerOpen());

    ASSERT_TRUE(pg.Signal(SIGSTOP));
    auto first = RunAwait(store->Ping());
    ASSERT_FALSE(first);
    EXPECT_EQ(first.error().code, Errc::timeout);
    EXPECT_TRUE(store->BreakerOpen());
    // Without the breaker the second connection would wait for its deadline again (timeout);
    // with it, reads, writes and the blocking writes of the outbox all fail at once.
    for (int i = 0; i < 10; ++i) {
        auto read = RunAwait(store->History("u1", 10, ""));
        ASSERT_FALSE(read);
        EXPECT_EQ(read.error().code, Errc::unavailable) << "call " << i;
        auto ping = RunAwait(store->Ping());
        ASSERT_FALSE(ping);
        EXPECT_EQ(ping.error().code, Errc::unavailable) << "call " << i;
        auto write = store->ApplySync(ports::HistoryBatch{});
        ASSERT_FALSE(write);
        EXPECT_EQ(write.error().code, Errc::unavailable) << "call " << i;
    }
    EXPECT_TRUE(store->BreakerOpen());  // the probes stay unanswered while the server is stopped

    ASSERT_TRUE(pg.Signal(SIGCONT));
    EXPECT_TRUE(WaitUntil([&] { return !store->BreakerOpen(); }, std::chrono::seconds(20)));
    EXPECT_TRUE(WaitUntil([&] { return static_cast<bool>(RunAwait(store->Ping())); },
                          std::chrono::seconds(20)));
    EXPECT_TRUE(RunAwait(store->History("u1", 10, "")));
}

}  // namespace
}  // namespace ivs::test
