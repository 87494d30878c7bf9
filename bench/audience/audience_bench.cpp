// Audience benchmarks, one JSON object on stdout:
//   audience_bench memory [sessions]            memory per tracked viewer in the memory store
//   audience_bench burst PORT KEY [joins] [concurrency]
//                                               a viewer-join burst against a running server
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <unistd.h>

#include "adapters/hot_store/memory/memory_hot_store.hpp"
#include "bench/audience/http_burst.hpp"

namespace {
namespace asio = boost::asio;
namespace json = boost::json;

long RssBytes() {
    std::ifstream f("/proc/self/statm");
    long pages = 0, resident = 0;
    f >> pages >> resident;
    return resident * sysconf(_SC_PAGESIZE);
}

std::string Hex32(std::uint64_t n) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(n * 2654435761u),
                  static_cast<unsigned long long>(n));
    return buf;
}

asio::awaitable<void> Fill(ivs::ports::HotStore& store, int sessions, int stages) {
    const auto now = std::chrono::system_clock::now();
    for (int s = 0; s < stages; ++s) {
        ivs::ports::StageRecord r;
        r.arn = std::string("arn:aws:ivs:us-east-1:123456789012:stage/bench").append(std::to_string(s));
        r.name = "bench";
        r.created_at = now;
        (void)co_await store.UpsertStage(r);
    }
    for (int i = 0; i < sessions; ++i) {
        ivs::ports::SeatRequest req;
        req.user_id = std::string("user-").append(std::to_string(1000000 + i));
        req.requested_stage =
            std::string("arn:aws:ivs:us-east-1:123456789012:stage/bench").append(std::to_string(i % stages));
        req.new_session_id = Hex32(static_cast<std::uint64_t>(i));
        req.participant_id = std::string("p").append(std::to_string(100000000000LL + i));  // 12 chars like IVS
        req.now = now;
        req.cutoff = now - std::chrono::seconds(60);
        req.capacity = sessions;
        req.scale_up_threshold = sessions;
        auto r = co_await store.Seat(std::move(req));
        if (!r) throw std::runtime_error("seat failed: " + r.error().message);
    }
}

// The same sessions kept the obvious way (a map of structs with strings), as a reference.
struct NaiveSession {
    std::string session_id, user_id, stage_arn, participant_id;
    std::chrono::system_clock::time_point joined, heartbeat;
};

json::object Memory(int sessions) {
    constexpr int kStages = 1000;
    const long before = RssBytes();
    auto store = ivs::adapters::MakeMemoryHotStore();
    asio::io_context ioc;
    auto done = asio::co_spawn(ioc, Fill(*store, sessions, kStages), asio::use_future);
    const auto t0 = std::chrono::steady_clock::now();
    ioc.run();
    done.get();
    const double fill_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const long after = RssBytes();

    const long naive_before = RssBytes();
    {
        std::map<std::string, NaiveSession> naive;
        for (int i = 0; i < sessions; ++i) {
            std::string user = std::string("user-").append(std::to_string(1000000 + i));
            naive.emplace(user, NaiveSession{Hex32(static_cast<std::uint64_t>(i)), user,
                                             "arn:aws:ivs:us-east-1:123456789012:stage/bench" +
                                                 std::to_string(i % kStages),
                                             std::string("p").append(std::to_string(100000000000LL + i)), {}, {}});
        }
        const long naive_after = RssBytes();
        const double store_bytes = static_cast<double>(after - before) / sessions;
        const double naive_bytes = static_cast<double>(naive_after - naive_before) / sessions;
        return json::object{{"sessions", sessions},
                            {"stages", kStages},
                            {"rss_delta_bytes", after - before},
                            {"bytes_per_session", store_bytes},
                            {"goal_bytes_per_session", 250},
                            {"within_goal", store_bytes <= 250},
                            {"fill_seconds", fill_seconds},
                            {"seats_per_second", sessions / fill_seconds},
                            {"reference_naive_map_bytes_per_session", naive_bytes}};
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string mode = argc > 1 ? argv[1] : "memory";
    try {
        if (mode == "memory") {
            int sessions = argc > 2 ? std::stoi(argv[2]) : 1000000;
            std::cout << json::serialize(Memory(sessions)) << std::endl;
            return 0;
        }
        if (mode == "burst" && argc >= 4) {
            ivs::bench::BurstOptions o;
            o.port = static_cast<unsigned short>(std::stoi(argv[2]));
            o.api_key = argv[3];
            if (argc > 4) o.joins = std::stoi(argv[4]);
            if (argc > 5) o.concurrency = std::stoi(argv[5]);
            std::cout << json::serialize(ivs::bench::RunJoinBurst(o)) << std::endl;
            return 0;
        }
    } catch (const std::exception& e) {
        std::cerr << "audience_bench: " << e.what() << std::endl;
        return 1;
    }
    std::cerr << "usage: audience_bench memory [sessions] | burst PORT KEY [joins] [concurrency]\n";
    return 2;
}
