// Sustained history write throughput: sessions (one start + one end event each) per second
// through the durable sink into SQLite and into PostgreSQL, beside the same sessions applied
// straight to the store in 1,000-event batches (the store's own ceiling, same run).
// Prints one JSON object on stdout.
//   history_bench [--sessions N] [--data-dir DIR] [--pg host:port/db]   (no --pg: SQLite only)

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "adapters/history/outbox/outbox_sink.hpp"
#include "adapters/history/postgres/pg_history_store.hpp"
#include "adapters/history/sqlite/sqlite_history_store.hpp"

namespace {

namespace hist = ivs::adapters::history;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

const std::string kArn = "arn:aws:ivs:us-east-1:123456789012:stage/Bench0001";

ivs::ports::SessionEvent Event(int i, bool end, const std::string& run) {
    ivs::ports::SessionEvent e;
    e.kind = end ? ivs::ports::SessionEvent::Kind::ended : ivs::ports::SessionEvent::Kind::started;
    e.session_id = fmt::format("{}-{}", run, i);
    e.user_id = fmt::format("user-{}", i % 5000);
    e.stage_arn = kArn;
    e.participant_id = fmt::format("p{}", i);
    e.joined_at = ivs::SystemTime(std::chrono::seconds(1'700'000'000 + i));
    e.left_at = e.joined_at + std::chrono::seconds(30 + i % 600);
    e.last_heartbeat = e.left_at;
    e.end_reason = "leave";
    e.user_agent = "bench";
    e.ip_address = "10.0.0.1";
    return e;
}

double Seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

// Through the sink: Publish never blocks; the figure is sessions / time until all are applied.
double SinkRate(std::function<ivs::Status(const ivs::ports::HistoryBatch&)> apply,
                const std::string& outbox, int sessions, const std::string& run) {
    hist::OutboxSinkOptions o;
    o.apply = std::move(apply);
    o.outbox_path = outbox;
    o.queue_cap = static_cast<std::size_t>(sessions) * 2 + 10;
    hist::OutboxSink sink(o);
    auto start = Clock::now();
    for (int i = 0; i < sessions; ++i) sink.Publish(Event(i, false, run));
    for (int i = 0; i < sessions; ++i) sink.Publish(Event(i, true, run));
    while (sink.Pending() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto end = Clock::now();
    sink.Stop(std::chrono::seconds(1));
    return sessions / Seconds(start, end);
}

// Straight to the store, 500 sessions (1,000 events) per transaction.
double DirectRate(std::function<ivs::Status(const ivs::ports::HistoryBatch&)> apply, int sessions,
                  const std::string& run) {
    auto start = Clock::now();
    for (int base = 0; base < sessions; base += 500) {
        ivs::ports::HistoryBatch b;
        for (int i = base; i < std::min(sessions, base + 500); ++i) {
            b.events.push_back(Event(i, false, run));
            b.events.push_back(Event(i, true, run));
        }
        if (!apply(b)) throw std::runtime_error("apply failed");
    }
    return sessions / Seconds(start, Clock::now());
}

json::object Measure(std::function<ivs::Status(const ivs::ports::HistoryBatch&)> apply,
                     const std::string& outbox, int sessions) {
    double direct = DirectRate(apply, sessions, "direct");
    double sink = SinkRate(apply, outbox, sessions, "sink");
    return {{"sessions", sessions},
            {"sink_sessions_per_s", static_cast<std::int64_t>(std::llround(sink))},
            {"direct_batch_sessions_per_s", static_cast<std::int64_t>(std::llround(direct))},
            {"ratio_sink_to_direct", std::round(sink / direct * 1000) / 1000}};
}

}  // namespace

int main(int argc, char** argv) {
    int sessions = 20000;
    std::string data_dir = "/tmp/ivs-history-bench";
    std::string pg;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        if (k == "--sessions") sessions = std::stoi(argv[i + 1]);
        if (k == "--data-dir") data_dir = argv[i + 1];
        if (k == "--pg") pg = argv[i + 1];
    }
    spdlog::set_level(spdlog::level::warn);
    std::filesystem::create_directories(data_dir);
    json::object out{{"name", "history"},
                     {"description",
                      fmt::format("history writes: {} sessions (start+end events) through the "
                                  "durable sink until applied, beside direct 500-session batches",
                                  sessions)}};
    try {
        auto path = data_dir + "/ivs.db";
        std::filesystem::remove(path);
        auto store = std::make_shared<hist::SqliteHistoryStore>(hist::SqliteStoreOptions{path});
        out["sqlite"] = Measure([store](const auto& b) { return store->ApplySync(b); }, "",
                                sessions);
    } catch (const std::exception& e) {
        out["sqlite"] = json::object{{"error", e.what()}};
    }
    if (!pg.empty()) {
        try {
            hist::PgOptions o;
            auto colon = pg.find(':');
            auto slash = pg.find('/');
            o.host = pg.substr(0, colon);
            o.port = std::stoi(pg.substr(colon + 1, slash - colon - 1));
            o.dbname = pg.substr(slash + 1);
            o.pool_size = 4;
            auto store = std::make_shared<hist::PgHistoryStore>(o, std::chrono::seconds(10));
            auto outbox = data_dir + "/outbox.db";
            std::filesystem::remove(outbox);
            out["postgres"] = Measure([store](const auto& b) { return store->ApplySync(b); },
                                      outbox, sessions);
        } catch (const std::exception& e) {
            out["postgres"] = json::object{{"error", e.what()}};
        }
    }
    std::cout << json::serialize(out) << std::endl;
    return 0;
}
