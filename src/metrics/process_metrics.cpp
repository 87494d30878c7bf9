#include "metrics/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

namespace ivs::metrics {
namespace {

struct ProcStat {
    double cpu_seconds = 0;
    double start_ticks = 0;
    double virtual_bytes = 0;
    double resident_pages = 0;
    bool ok = false;
};

// Fields of /proc/self/stat after the command name (which may itself hold spaces).
ProcStat ReadProcStat() {
    ProcStat st;
    std::ifstream f("/proc/self/stat");
    std::string line;
    if (!std::getline(f, line)) return st;
    auto close = line.rfind(')');
    if (close == std::string::npos) return st;
    std::istringstream in(line.substr(close + 2));
    // Field 3 (state) is the first here; utime and stime are 14 and 15, starttime 22,
    // vsize 23, rss 24.
    std::string field;
    double values[22] = {};
    for (int i = 3; i <= 24 && in >> field; ++i) {
        if (i >= 14) {
            try {
                values[i - 3] = std::stod(field);
            } catch (const std::exception&) {
                return st;
            }
        }
    }
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    st.cpu_seconds = (values[14 - 3] + values[15 - 3]) / ticks;
    st.start_ticks = values[22 - 3];
    st.virtual_bytes = values[23 - 3];
    st.resident_pages = values[24 - 3];
    st.ok = true;
    return st;
}

double BootTimeSeconds() {
    std::ifstream f("/proc/stat");
    std::string key;
    double value = 0;
    while (f >> key) {
        if (key == "btime" && f >> value) return value;
        f.ignore(4096, '\n');
    }
    return 0;
}

double OpenDescriptors() {
    std::error_code ec;
    double n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        ++n;
    }
    return n;
}

}  // namespace

std::function<void()> RegisterProcessMetrics(Registry& registry, const std::string& prefix,
                                             const std::string& version) {
    registry
        .Gauges(prefix + "build_info", "Build of this server (value 1), by version", {"version"})
        .WithLabels({version})
        .Set(1);
    struct State {
        std::mutex mu;
        double cpu_reported = 0;
        Counter* cpu = nullptr;
        Gauge* resident = nullptr;
        Gauge* virtual_memory = nullptr;
        Gauge* open_fds = nullptr;
        Gauge* max_fds = nullptr;
        Gauge* start_time = nullptr;
    };
    auto state = std::make_shared<State>();
    state->cpu = &registry
                      .Counters("process_cpu_seconds_total",
                                "User and system CPU time spent in seconds")
                      .Get();
    state->resident =
        &registry.Gauges("process_resident_memory_bytes", "Resident memory size in bytes").Get();
    state->virtual_memory =
        &registry.Gauges("process_virtual_memory_bytes", "Virtual memory size in bytes").Get();
    state->open_fds =
        &registry.Gauges("process_open_fds", "Number of open file descriptors").Get();
    state->max_fds =
        &registry.Gauges("process_max_fds", "Maximum number of open file descriptors").Get();
    state->start_time = &registry
                             .Gauges("process_start_time_seconds",
                                     "Start time of the process since the Unix epoch in seconds")
                             .Get();
    const double boot = BootTimeSeconds();
    return [state, boot] {
        ProcStat st = ReadProcStat();
        std::lock_guard lock(state->mu);
        if (st.ok) {
            // The counter only moves forward: add what was spent since the last scrape.
            if (st.cpu_seconds > state->cpu_reported) {
                state->cpu->Inc(st.cpu_seconds - state->cpu_reported);
                state->cpu_reported = st.cpu_seconds;
            }
            state->resident->Set(st.resident_pages * static_cast<double>(::sysconf(_SC_PAGESIZE)));
            state->virtual_memory->Set(st.virtual_bytes);
            const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
            state->start_time->Set(boot + st.start_ticks / ticks);
        }
        state->open_fds->Set(OpenDescriptors());
        rlimit lim{};
        if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) {
            state->max_fds->Set(static_cast<double>(lim.rlim_cur));
        }
    };
}

}  // namespace ivs::metrics
