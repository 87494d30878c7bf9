// The durable event sink: batching into SQLite, flushing at stop, and a PostgreSQL outage
// (a private server stopped while events arrive, the process restarted during the outage).

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>

#include "../contract/history_test_util.hpp"
#include "adapters/history/outbox/outbox_sink.hpp"
#include "adapters/history/postgres/pg_history_store.hpp"
#include "adapters/history/sqlite/sqlite_history_store.hpp"

namespace ivs::test {
namespace {

using adapters::history::OutboxSink;
using adapters::history::OutboxSinkOptions;
using adapters::history::PgConn;
using adapters::history::PgHistoryStore;
using adapters::history::SqliteHistoryStore;

const std::string kArn = "arn:aws:ivs:us-east-1:123456789012:stage/SinkTest01";

TEST(HistorySink, SqliteModeAppliesEveryEventOnceInBatches) {
    TempDir dir;
    auto store = std::make_shared<SqliteHistoryStore>(
        adapters::history::SqliteStoreOptions{dir.path() + "/ivs.db"});
    OutboxSinkOptions o;
    o.apply = [store](const ports::HistoryBatch& b) { return store->ApplySync(b); };
    OutboxSink sink(o);
    for (int i = 0; i < 1000; ++i) {
        auto sid = fmt::format("s{}", i);
        sink.Publish(Started(sid, "u1", kArn, At(i)));
        if (i % 2 == 0) sink.Publish(Ended(sid, "u1", kArn, At(i), At(i + 4)));
    }
    sink.RecordHeartbeats({{"s1", At(100)}});
    ASSERT_TRUE(WaitUntil([&] { return sink.Pending() == 0; }, std::chrono::seconds(20)));
    EXPECT_EQ(sink.Applied(), 1501u);
    EXPECT_EQ(sink.Dropped(), 0u);
    auto page = RunAwait(store->History("u1", 100, ""));
    ASSERT_TRUE(page);
    EXPECT_EQ(page->total_records, 1000);
    auto stats = RunAwait(store->StageStats(kArn, At(-1)));
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->total_views, 1000);
    EXPECT_EQ(stats->max_watch_duration, 4);
    auto closed = RunAwait(store->CloseOpenSessions(At(5000), "restart"));
    ASSERT_TRUE(closed);
    EXPECT_EQ(*closed, 500);
}

// SQLite mode has no separate outbox file: the history database is the durable store, so a
// durable publish resumes only once its event is committed there.
TEST(HistorySink, ADurablePublishResumesOnlyOnceTheEventIsCommitted) {
    TempDir dir;
    auto store = std::make_shared<SqliteHistoryStore>(
        adapters::history::SqliteStoreOptions{dir.path() + "/ivs.db"});
    std::atomic<bool> committed{false};
    OutboxSinkOptions o;
    o.apply = [store, &committed](const ports::HistoryBatch& b) {
        auto s = store->ApplySync(b);
        committed = static_cast<bool>(s);
        return s;
    };
    OutboxSink sink(o);
    for (int i = 0; i < 50; ++i) {
        committed = false;
        RunAwait(sink.PublishDurably(Started(fmt::format("d{}", i), "u1", kArn, At(i))));
        ASSERT_TRUE(committed.load()) << "resumed before its commit, event " << i;
        auto page = RunAwait(store->History("u1", 1, ""));
        ASSERT_TRUE(page);
        EXPECT_EQ(page->total_records, i + 1);
    }
}

// While the history store refuses writes, a durable publish does not wait through the back-off:
// it resumes at once and its event is applied later.
TEST(HistorySink, ADurablePublishDoesNotWaitForAFailingStore) {
    TempDir dir;
    auto store = std::make_shared<SqliteHistoryStore>(
        adapters::history::SqliteStoreOptions{dir.path() + "/ivs.db"});
    std::atomic<bool> failing{true};
    OutboxSinkOptions o;
    o.max_backoff = std::chrono::milliseconds(200);
    o.apply = [store, &failing](const ports::HistoryBatch& b) -> Status {
        if (failing) return Error(Errc::unavailable, "history store down");
        return store->ApplySync(b);
    };
    OutboxSink sink(o);
    for (int i = 0; i < 5; ++i) {
        RunAwait(sink.PublishDurably(Started(fmt::format("f{}", i), "u2", kArn, At(i))));
    }
    EXPECT_EQ(sink.Pending(), 5u);
    failing = false;
    ASSERT_TRUE(WaitUntil([&] { return sink.Pending() == 0; }));
    auto page = RunAwait(store->History("u2", 1, ""));
    ASSERT_TRUE(page);
    EXPECT_EQ(page->total_records, 5);
}

TEST(HistorySink, StopFlushesWhatWasPublished) {
    TempDir dir;
    auto store = std::make_shared<SqliteHistoryStore>(
        adapters::history::SqliteStoreOptions{dir.path() + "/ivs.db"});
    OutboxSinkOptions o;
    o.apply = [store](const ports::HistoryBatch& b) { return store->ApplySync(b); };
    auto sink = std::make_unique<OutboxSink>(o);
    for (int i = 0; i < 300; ++i) sink->Publish(Started(fmt::format("s{}", i), "u1", kArn, At(i)));
    sink->Stop(std::chrono::seconds(10));
    EXPECT_EQ(sink->Pending(), 0u);
    sink->Publish(Started("late", "u1", kArn, At(0)));
    EXPECT_EQ(sink->Dropped(), 1u);
    auto page = RunAwait(store->History("u1", 1, ""));
    ASSERT_TRUE(page);
    EXPECT_EQ(page->total_records, 300);
}

TEST(HistorySink, AfterFirstDrainRunsOnceAfterTheBacklog) {
    TempDir dir;
    auto store = std::make_shared<SqliteHistoryStore>(
        adapters::history::SqliteStoreOptions{dir.path() + "/ivs.db"});
    std::atomic<int> runs{0};
    std::atomic<int> failures_left{2};
    OutboxSinkOptions o;
    o.apply = [store](const ports::HistoryBatch& b) { return store->ApplySync(b); };
    o.after_first_drain = [&]() -> Status {
        if (failures_left-- > 0) return Error(Errc::unavailable, "not yet");
        ++runs;
        return Ok();
    };
    OutboxSink sink(o);
    ASSERT_TRUE(WaitUntil([&] { return runs.load() == 1; }, std::chrono::seconds(10)));
    sink.Publish(Started("s", "u1", kArn, At(0)));
    ASSERT_TRUE(WaitUntil([&] { return sink.Pending() == 0; }));
    EXPECT_EQ(runs.load(), 1);
}

TEST(HistorySinkPostgres, OutageDelaysRowsButLosesNoneAndWritesEachOnce) {
    IVS_REQUIRE_HARNESS("IVS_TEST_HARNESS_DIR");
    IVS_REQUIRE_HARNESS("IVS_TEST_PG_PORT");
    PrivatePostgres pg;
    ASSERT_TRUE(pg.Start());
    auto store = std::make_shared<PgHistoryStore>(pg.Options(), std::chrono::seconds(10));
    TempDir data;
    OutboxSinkOptions o;
    o.outbox_path = data.path() + "/outbox.db";
    o.apply = [store](const ports::HistoryBatch& b) { return store->ApplySync(b); };
    o.max_backoff = std::chrono::milliseconds(500);

    auto sink = std::make_unique<OutboxSink>(o);
    for (int i = 0; i < 20; ++i) {
        sink->Publish(Started(fmt::format("s{}", i), fmt::format("u{}", i), kArn, At(i)));
    }
    ASSERT_TRUE(WaitUntil([&] { return sink->Pending() == 0; }, std::chrono::seconds(20)));

    pg.Stop();
    for (int i = 0; i < 20; ++i) {
        sink->Publish(Ended(fmt::format("s{}", i), fmt::format("u{}", i), kArn, At(i),
                            At(i + 100)));
    }
    // A crash-free restart during the outage: what was published waits in the outbox file.
    sink->Stop(std::chrono::milliseconds(300));
    EXPECT_EQ(sink->Pending(), 20u);
    sink = std::make_unique<OutboxSink>(o);
    EXPECT_EQ(sink->Pending(), 20u);
    EXPECT_FALSE(RunAwait(store->Ping()));

    ASSERT_TRUE(pg.Start());
    ASSERT_TRUE(WaitUntil([&] { return sink->Pending() == 0; }, std::chrono::seconds(30)));
    sink->Stop(std::chrono::seconds(5));

    PgConn check(pg.Options());
    auto r = check.Exec(
        "SELECT COUNT(*), COUNT(DISTINCT session_id), COUNT(left_at), "
        "MIN(watch_duration_seconds), COUNT(*) FILTER (WHERE left_at < joined_at) "
        "FROM viewer_sessions");
    EXPECT_EQ(r.Int(0, 0), 20);
    EXPECT_EQ(r.Int(0, 1), 20);
    EXPECT_EQ(r.Int(0, 2), 20);
    EXPECT_EQ(r.Int(0, 3), 100);
    EXPECT_EQ(r.Int(0, 4), 0);
}

}  // namespace
}  // namespace ivs::test
