#include "core/log.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <atomic>
#include <chrono>

#include "core/json_text.hpp"
#include "core/time_format.hpp"

namespace ivs::log {
namespace {

std::atomic<Format> g_format{Format::text};

// Writes each record as one JSON object per line.
class JsonFormatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        std::string_view payload(msg.payload.data(), msg.payload.size());
        std::string line;
        if (!payload.empty() && payload.front() == '{') {
            // Already a structured object (from Structured()); pass it through.
            line.assign(payload);
        } else {
            boost::json::object o;
            o["time"] = FormatIso8601Millis(msg.time);
            o["level"] = std::string_view(spdlog::level::to_string_view(msg.level).data(),
                                          spdlog::level::to_string_view(msg.level).size());
            o["msg"] = payload;
            line = SerializeJson(o);
        }
        dest.append(line.data(), line.data() + line.size());
        dest.push_back('\n');
    }
    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<JsonFormatter>();
    }
};

std::string TextValue(const boost::json::value& v) {
    if (v.is_double()) return fmt::format("{:.2f}", v.get_double());
    if (v.is_string()) {
        std::string_view s = v.get_string();
        if (s.find_first_of(" \"=") == std::string_view::npos && !s.empty()) return std::string(s);
    }
    return SerializeJson(v);
}

}  // namespace

void Init(std::string_view level, Format format) {
    g_format = format;
    auto logger = spdlog::get("ivs");
    if (!logger) {
        auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        logger = std::make_shared<spdlog::logger>("ivs", sink);
        spdlog::register_logger(logger);
    }
    if (format == Format::json) {
        logger->set_formatter(std::make_unique<JsonFormatter>());
    } else {
        logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
            "%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc));
    }
    logger->set_level(spdlog::level::from_str(std::string(level)));
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(logger);
}

Format CurrentFormat() { return g_format.load(); }

void Structured(spdlog::level::level_enum level, std::string_view message,
                const boost::json::object& fields) {
    auto logger = spdlog::default_logger_raw();
    if (!logger->should_log(level)) return;
    if (g_format.load() == Format::json) {
        boost::json::object o;
        o["time"] = FormatIso8601Millis(std::chrono::system_clock::now());
        auto lv = spdlog::level::to_string_view(level);
        o["level"] = std::string_view(lv.data(), lv.size());
        o["msg"] = message;
        for (const auto& kv : fields) o[kv.key()] = kv.value();
        logger->log(level, "{}", SerializeJson(o));
    } else {
        std::string line(message);
        for (const auto& kv : fields) {
            line += ' ';
            line.append(kv.key().data(), kv.key().size());
            line += '=';
            line += TextValue(kv.value());
        }
        logger->log(level, "{}", line);
    }
}

}  // namespace ivs::log
