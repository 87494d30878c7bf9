// One contract suite for ports::HistoryStore, run on SQLite and on a real PostgreSQL.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <set>
#include <thread>

#include "adapters/history/postgres/pg_history_store.hpp"
#include "adapters/history/sqlite/sqlite_history_store.hpp"
#include "history_test_util.hpp"

namespace ivs::test {
namespace {

using adapters::history::PgHistoryStore;
using adapters::history::SqliteHistoryStore;
using ports::HistoryBatch;

const std::string kArnA = "arn:aws:ivs:us-east-1:123456789012:stage/AAAAaaaa1111";
const std::string kArnB = "arn:aws:ivs:us-east-1:123456789012:stage/BBBBbbbb2222";

struct SqliteBackend {
    static constexpr const char* kName = "sqlite";
    std::unique_ptr<TempDir> dir;
    void SetUpBackend() { dir = std::make_unique<TempDir>(); }
    std::shared_ptr<ports::HistoryStore> Open() {
        return std::make_shared<SqliteHistoryStore>(
            adapters::history::SqliteStoreOptions{dir->path() + "/ivs.db"});
    }
};

struct PostgresBackend {
    static constexpr const char* kName = "postgres";
    std::unique_ptr<PgTestSchema> schema;
    void SetUpBackend() { schema = std::make_unique<PgTestSchema>(); }
    std::shared_ptr<ports::HistoryStore> Open() {
        return std::make_shared<PgHistoryStore>(schema->Options(), std::chrono::seconds(5));
    }
};

template <class Backend>
class HistoryStoreContract : public ::testing::Test {
protected:
    void SetUp() override {
        if constexpr (std::is_same_v<Backend, PostgresBackend>) {
            IVS_REQUIRE_HARNESS("IVS_TEST_PG_PORT");
        }
        backend_.SetUpBackend();
        store_ = backend_.Open();
    }

    void Apply(HistoryBatch b) { ASSERT_TRUE(RunAwait(store_->Apply(std::move(b)))); }
    void Apply(std::vector<ports::SessionEvent> events) {
        HistoryBatch b;
        b.events = std::move(events);
        Apply(std::move(b));
    }
    std::vector<ports::SessionRecord> All(const std::string& user) {
        auto page = RunAwait(store_->History(user, 100, ""));
        EXPECT_TRUE(page);
        return page ? page->records : std::vector<ports::SessionRecord>{};
    }

    Backend backend_;
    std::shared_ptr<ports::HistoryStore> store_;
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;
struct BackendNames {
    template <class T>
    static std::string GetName(int) {
        return T::kName;
    }
};
TYPED_TEST_SUITE(HistoryStoreContract, Backends, BackendNames);

TYPED_TEST(HistoryStoreContract, StartThenEndMakesOneClosedRowWithDuration) {
    this->Apply({Started("s1", "u1", kArnA, At(0))});
    auto rows = this->All("u1");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_FALSE(rows[0].left_at);
    EXPECT_FALSE(rows[0].watch_duration_seconds);
    EXPECT_EQ(rows[0].participant_id, "p-s1");

    this->Apply({Ended("s1", "u1", kArnA, At(0), At(95) + std::chrono::milliseconds(700))});
    rows = this->All("u1");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].session_id, "s1");
    EXPECT_EQ(rows[0].stage_arn, kArnA);
    ASSERT_TRUE(rows[0].left_at);
    EXPECT_EQ(*rows[0].left_at, At(95) + std::chrono::milliseconds(700));
    EXPECT_EQ(rows[0].watch_duration_seconds.value_or(-1), 95);
    EXPECT_EQ(rows[0].end_reason, "leave");
}

TYPED_TEST(HistoryStoreContract, ACancelledStartLeavesNoRow) {
    this->Apply({Started("s1", "u1", kArnA, At(0))});
    this->Apply({Ended("s1", "u1", kArnA, At(0), At(0), ports::kCancelled)});
    this->Apply({Started("s2", "u1", kArnA, At(1)),
                 Ended("s2", "u1", kArnA, At(1), At(1), ports::kCancelled)});
    this->Apply({Started("s3", "u1", kArnA, At(2))});
    auto rows = this->All("u1");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].session_id, "s3");
}

TYPED_TEST(HistoryStoreContract, RepeatedEventsChangeNothing) {
    this->Apply({Started("s1", "u1", kArnA, At(0)), Started("s1", "u1", kArnA, At(0))});
    this->Apply({Started("s1", "u1", kArnA, At(0))});
    this->Apply({Ended("s1", "u1", kArnA, At(0), At(10))});
    this->Apply({Ended("s1", "u1", kArnA, At(0), At(50), "timeout"),
                 Started("s1", "u1", kArnA, At(0))});
    auto rows = this->All("u1");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(*rows[0].left_at, At(10));
    EXPECT_EQ(*rows[0].watch_duration_seconds, 10);
    EXPECT_EQ(rows[0].end_reason, "leave");
}

TYPED_TEST(HistoryStoreContract, EndBeforeStartStillMakesOneCorrectRow) {
    this->Apply({Ended("s1", "u1", kArnA, At(0), At(30))});
    this->Apply({Started("s1", "u1", kArnA, At(0))});
    auto rows = this->All("u1");
    ASSERT_EQ(rows.size(), 1u);
    ASSERT_TRUE(rows[0].left_at);
    EXPECT_EQ(*rows[0].left_at, At(30));
    EXPECT_EQ(*rows[0].watch_duration_seconds, 30);
    EXPECT_EQ(rows[0].joined_at, At(0));
}

TYPED_TEST(HistoryStoreContract, StartAndEndInOneBatchInEitherOrder) {
    this->Apply({Started("a", "u1", kArnA, At(0)), Ended("a", "u1", kArnA, At(0), At(5))});
    this->Apply({Ended("b", "u1", kArnA, At(100), At(107)), Started("b", "u1", kArnA, At(100))});
    auto rows = this->All("u1");
    ASSERT_EQ(rows.size(), 2u);
    for (const auto& r : rows) {
        ASSERT_TRUE(r.left_at) << r.session_id;
        EXPECT_EQ(*r.watch_duration_seconds, r.session_id == "a" ? 5 : 7);
    }
}

TYPED_TEST(HistoryStoreContract, LeftAtNeverBeforeJoinedAt) {
    this->Apply({Started("s1", "u1", kArnA, At(100))});
    this->Apply({Ended("s1", "u1", kArnA, At(100), At(40))});
    auto rows = this->All("u1");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(*rows[0].left_at, At(100));
    EXPECT_EQ(*rows[0].watch_duration_seconds, 0);
}

TYPED_TEST(HistoryStoreContract, HistoryIsNewestFirstWithCursorPages) {
    std::vector<ports::SessionEvent> events;
    for (int i = 0; i < 25; ++i) {
        events.push_back(Started(fmt::format("s{}", i), "u1", kArnA, At(i * 10)));
    }
    // Two sessions at the same instant must still page without loss or repeat.
    events.push_back(Started("same-a", "u1", kArnB, At(55)));
    events.push_back(Started("same-b", "u1", kArnB, At(55)));
    events.push_back(Started("other", "u2", kArnA, At(5)));
    this->Apply(events);

    std::vector<std::string> seen;
    std::string cursor;
    int pages = 0;
    SystemTime previous = SystemTime::max();
    do {
        auto page = RunAwait(this->store_->History("u1", 10, cursor));
        ASSERT_TRUE(page);
        EXPECT_EQ(page->total_records, 27);
        for (const auto& r : page->records) {
            EXPECT_LE(r.joined_at, previous);
            previous = r.joined_at;
            EXPECT_EQ(r.user_id, "u1");
            seen.push_back(r.session_id);
        }
        cursor = page->next_cursor;
        ++pages;
    } while (!cursor.empty() && pages < 10);
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(seen.size(), 27u);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 27u);
    EXPECT_EQ(seen.front(), "s24");

    auto bad = RunAwait(this->store_->History("u1", 10, "not-a-cursor"));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::invalid_argument);

    auto none = RunAwait(this->store_->History("nobody", 10, ""));
    ASSERT_TRUE(none);
    EXPECT_EQ(none->total_records, 0);
    EXPECT_TRUE(none->records.empty());
    EXPECT_TRUE(none->next_cursor.empty());
}

TYPED_TEST(HistoryStoreContract, StageStatsCountsViewsViewersAndDurations) {
    this->Apply({Ended("a", "u1", kArnA, At(0), At(10)), Ended("b", "u1", kArnA, At(20), At(41)),
                 Ended("c", "u2", kArnA, At(30), At(90)), Started("d", "u3", kArnA, At(40)),
                 Ended("e", "u4", kArnB, At(0), At(1000)),
                 Ended("old", "u5", kArnA, At(-100000), At(-99000))});
    auto s = RunAwait(this->store_->StageStats(kArnA, At(-10)));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->total_views, 4);
    EXPECT_EQ(s->unique_viewers, 3);
    EXPECT_EQ(s->avg_watch_duration, 30);  // (10 + 21 + 60) / 3 = 30.33
    EXPECT_EQ(s->max_watch_duration, 60);

    auto empty = RunAwait(this->store_->StageStats(
        "arn:aws:ivs:us-east-1:123456789012:stage/none", At(-10)));
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->total_views, 0);
    EXPECT_EQ(empty->avg_watch_duration, 0);
    EXPECT_EQ(empty->max_watch_duration, 0);
}

TYPED_TEST(HistoryStoreContract, TimeseriesBucketsSnapshotsByStep) {
    std::vector<ports::StatsSnapshot> snaps;
    // Every 30 s for 4 minutes: stage A has i viewers, stage B 10.
    for (int i = 0; i < 8; ++i) {
        snaps.push_back({kArnA, At(i * 30), i});
        snaps.push_back({kArnB, At(i * 30), 10});
    }
    ASSERT_TRUE(RunAwait(this->store_->InsertSnapshots(snaps)));

    ports::TimeseriesQuery q;
    q.from = At(0);
    q.to = At(240);
    q.step = std::chrono::seconds(120);
    q.stage_arn = kArnA;
    auto a = RunAwait(this->store_->Timeseries(q));
    ASSERT_TRUE(a);
    // At(0) is a multiple of 120 s since the epoch (1'700'000'000 = 120 * 14'166'666 + 80)?
    // Buckets start at multiples of the step, so compute them the same way.
    std::map<std::int64_t, std::vector<int>> expected;
    for (int i = 0; i < 8; ++i) {
        auto ms = ToUnixMillis(At(i * 30));
        expected[(ms / 120000) * 120000].push_back(i);
    }
    ASSERT_EQ(a->size(), expected.size());
    std::size_t k = 0;
    for (const auto& [bucket, values] : expected) {
        const auto& p = (*a)[k++];
        EXPECT_EQ(ToUnixMillis(p.bucket), bucket);
        EXPECT_EQ(p.samples, static_cast<int>(values.size()));
        EXPECT_EQ(p.max_viewers, *std::max_element(values.begin(), values.end()));
        EXPECT_EQ(p.min_viewers, *std::min_element(values.begin(), values.end()));
        double sum = 0;
        for (int v : values) sum += v;
        EXPECT_DOUBLE_EQ(p.avg_viewers, sum / static_cast<double>(values.size()));
    }

    q.stage_arn.reset();
    auto all = RunAwait(this->store_->Timeseries(q));
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), expected.size());
    EXPECT_EQ((*all)[0].min_viewers, 10 + expected.begin()->second.front());

    q.from = At(1000);
    q.to = At(2000);
    auto none = RunAwait(this->store_->Timeseries(q));
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

TYPED_TEST(HistoryStoreContract, RetentionDeletesOldSnapshotsInBatches) {
    std::vector<ports::StatsSnapshot> snaps;
    for (int i = 0; i < 12; ++i) snaps.push_back({kArnA, At(i), 1});
    for (int i = 0; i < 3; ++i) snaps.push_back({kArnA, At(1000 + i), 1});
    ASSERT_TRUE(RunAwait(this->store_->InsertSnapshots(snaps)));
    std::vector<std::int64_t> deleted;
    for (int i = 0; i < 5; ++i) {
        auto n = RunAwait(this->store_->DeleteSnapshotsBefore(At(500), 5));
        ASSERT_TRUE(n);
        deleted.push_back(*n);
        if (*n < 5) break;
    }
    EXPECT_EQ(deleted, (std::vector<std::int64_t>{5, 5, 2}));
    ports::TimeseriesQuery q{std::nullopt, At(-10), At(5000), std::chrono::seconds(1)};
    auto left = RunAwait(this->store_->Timeseries(q));
    ASSERT_TRUE(left);
    EXPECT_EQ(left->size(), 3u);
}

TYPED_TEST(HistoryStoreContract, SessionRetentionDeletesOnlyOldClosedRows) {
    this->Apply({Ended("old-closed", "u1", kArnA, At(0), At(5)), Started("old-open", "u1", kArnA, At(1)),
                 Ended("new-closed", "u1", kArnA, At(1000), At(1005))});
    auto n = RunAwait(this->store_->DeleteSessionsBefore(At(500), 100));
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 1);
    std::set<std::string> ids;
    for (const auto& r : this->All("u1")) ids.insert(r.session_id);
    EXPECT_EQ(ids, (std::set<std::string>{"old-open", "new-closed"}));
}

TYPED_TEST(HistoryStoreContract, CrashRecoveryClosesOpenRowsAtLastHeartbeatOnce) {
    this->Apply({Started("a", "u1", kArnA, At(0)), Started("b", "u2", kArnA, At(0)),
                 Ended("c", "u3", kArnA, At(0), At(7)), Started("fresh", "u4", kArnA, At(500))});
    HistoryBatch beats;
    beats.heartbeats = {{"a", At(30)}, {"a", At(60)}, {"a", At(45)}, {"c", At(300)}};
    this->Apply(beats);
    HistoryBatch lower;
    lower.heartbeats = {{"a", At(20)}};  // never lowers
    this->Apply(lower);

    auto closed = RunAwait(this->store_->CloseOpenSessions(At(400), "restart"));
    ASSERT_TRUE(closed);
    EXPECT_EQ(*closed, 2);
    auto again = RunAwait(this->store_->CloseOpenSessions(At(400), "restart"));
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, 0);

    auto row = [&](const std::string& user) { return this->All(user).at(0); };
    EXPECT_EQ(*row("u1").left_at, At(60));
    EXPECT_EQ(*row("u1").watch_duration_seconds, 60);
    EXPECT_EQ(row("u1").end_reason, "restart");
    EXPECT_EQ(*row("u2").left_at, At(0));
    EXPECT_EQ(*row("u2").watch_duration_seconds, 0);
    EXPECT_EQ(*row("u3").left_at, At(7));  // already closed: untouched
    EXPECT_EQ(row("u3").end_reason, "leave");
    EXPECT_FALSE(row("u4").left_at);  // newer than the cut-off: still open

    // A late `ended` for a recovered row changes nothing.
    this->Apply({Ended("a", "u1", kArnA, At(0), At(90))});
    EXPECT_EQ(*row("u1").left_at, At(60));
}

TYPED_TEST(HistoryStoreContract, ConcurrentDuplicateBatchesMakeOneRowPerSession) {
    std::vector<ports::SessionEvent> events;
    for (int i = 0; i < 200; ++i) {
        auto sid = fmt::format("c{}", i);
        events.push_back(Started(sid, "u1", kArnA, At(i)));
        events.push_back(Ended(sid, "u1", kArnA, At(i), At(i + 3)));
    }
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            auto copy = events;
            if (t % 2) std::reverse(copy.begin(), copy.end());
            HistoryBatch b;
            b.events = copy;
            if (!RunAwait(this->store_->Apply(std::move(b)))) ++failures;
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures, 0);
    auto page = RunAwait(this->store_->History("u1", 100, ""));
    ASSERT_TRUE(page);
    EXPECT_EQ(page->total_records, 200);
    for (const auto& r : page->records) EXPECT_EQ(r.watch_duration_seconds.value_or(-1), 3);
}

TYPED_TEST(HistoryStoreContract, StageArchiveUpsertsAndHidesDeleted) {
    ports::ArchivedStage master{kArnA, "master", true, false, "active", At(0), {}, {}};
    ports::ArchivedStage fan{kArnB, "fan-1", false, true, "active", At(10), {}, {}};
    ASSERT_TRUE(RunAwait(this->store_->SaveStage(master)));
    ASSERT_TRUE(RunAwait(this->store_->SaveStage(fan)));
    fan.state = "draining";
    fan.draining_since = At(20);
    ASSERT_TRUE(RunAwait(this->store_->SaveStage(fan)));
    auto stages = RunAwait(this->store_->LoadStages());
    ASSERT_TRUE(stages);
    ASSERT_EQ(stages->size(), 2u);
    EXPECT_EQ((*stages)[0].arn, kArnA);
    EXPECT_TRUE((*stages)[0].is_master);
    EXPECT_EQ((*stages)[1].state, "draining");
    EXPECT_TRUE((*stages)[1].auto_scaled);
    EXPECT_EQ((*stages)[1].draining_since.value_or(SystemTime{}), At(20));
    EXPECT_EQ((*stages)[1].created_at, At(10));

    ASSERT_TRUE(RunAwait(this->store_->MarkStageDeleted(kArnB, At(30))));
    stages = RunAwait(this->store_->LoadStages());
    ASSERT_TRUE(stages);
    ASSERT_EQ(stages->size(), 1u);
    EXPECT_EQ((*stages)[0].arn, kArnA);
}

TYPED_TEST(HistoryStoreContract, PingAndReopenKeepData) {
    ASSERT_TRUE(RunAwait(this->store_->Ping()));
    this->Apply({Started("s1", "u1", kArnA, At(0))});
    this->store_.reset();
    this->store_ = this->backend_.Open();  // migrations are not applied twice
    EXPECT_EQ(this->All("u1").size(), 1u);
}

}  // namespace
}  // namespace ivs::test
