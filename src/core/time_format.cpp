#include "core/time_format.hpp"

#include <chrono>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace ivs {
namespace {

std::tm UtcTm(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    return tm;
}

bool ReadInt(std::string_view s, size_t pos, size_t len, int& out) {
    if (pos + len > s.size()) return false;
    for (size_t i = pos; i < pos + len; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;  // digits only: no sign
    }
    auto r = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return r.ec == std::errc() && r.ptr == s.data() + pos + len;
}

// A calendar date (which must exist: no 30 February) plus seconds into that day, as a time
// point; nullopt when the date is impossible or the instant lies outside what SystemTime holds.
std::optional<SystemTime> FromCivil(int y, int mo, int d, std::int64_t day_seconds,
                                    std::int64_t nanos) {
    using namespace std::chrono;
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                              day{static_cast<unsigned>(d)}};
    if (!date.ok()) return std::nullopt;
    const std::int64_t secs =
        static_cast<std::int64_t>(sys_days(date).time_since_epoch().count()) * 86400 +
        day_seconds;
    constexpr std::int64_t kMin = duration_cast<seconds>(SystemTime::min().time_since_epoch()).count();
    constexpr std::int64_t kMax = duration_cast<seconds>(SystemTime::max().time_since_epoch()).count();
    if (secs <= kMin || secs >= kMax) return std::nullopt;
    return SystemTime(duration_cast<SystemTime::duration>(seconds(secs) + nanoseconds(nanos)));
}

}  // namespace

void AppendIso8601Millis(std::string& out, SystemTime t) {
    auto ms = ToUnixMillis(t);
    std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = static_cast<int>(ms - static_cast<std::int64_t>(secs) * 1000);
    // Every reply carries a timestamp: the "YYYY-MM-DDTHH:MM:SS" part is formatted once per
    // second and thread.
    thread_local std::time_t cached_secs = -1;
    thread_local char cached[64];
    thread_local std::size_t cached_size = 0;
    if (secs != cached_secs) {
        std::tm tm = UtcTm(secs);
        int n = std::snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                              tm.tm_min, tm.tm_sec);
        cached_size = n > 0 ? static_cast<std::size_t>(n) : 0;
        cached_secs = secs;
    }
    out.append(cached, cached_size);
    const char millis[] = {'.', static_cast<char>('0' + frac / 100),
                           static_cast<char>('0' + frac / 10 % 10), static_cast<char>('0' + frac % 10),
                           'Z'};
    out.append(millis, sizeof millis);
}

std::string FormatIso8601Millis(SystemTime t) {
    std::string out;
    out.reserve(24);  // "YYYY-MM-DDTHH:MM:SS.mmmZ": one allocation
    AppendIso8601Millis(out, t);
    return out;
}

std::string FormatIso8601Seconds(SystemTime t) {
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm = UtcTm(secs);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::optional<SystemTime> ParseIso8601(std::string_view s) {
    int y, mo, d, h, mi, sec;
    if (s.size() < 20) return std::nullopt;
    if (!ReadInt(s, 0, 4, y) || s[4] != '-' || !ReadInt(s, 5, 2, mo) || s[7] != '-' ||
        !ReadInt(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !ReadInt(s, 11, 2, h) || s[13] != ':' || !ReadInt(s, 14, 2, mi) || s[16] != ':' ||
        !ReadInt(s, 17, 2, sec)) {
        return std::nullopt;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    size_t pos = 19;
    std::int64_t nanos = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int digits = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (digits < 9) nanos = nanos * 10 + (s[pos] - '0');
            ++digits;
            ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (int i = digits; i < 9; ++i) nanos *= 10;
    }
    int offset_minutes = 0;
    if (pos >= s.size()) return std::nullopt;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int oh, om;
        if (!ReadInt(s, pos + 1, 2, oh) || s.size() < pos + 6 || s[pos + 3] != ':' ||
            !ReadInt(s, pos + 4, 2, om)) {
            return std::nullopt;
        }
        offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    return FromCivil(y, mo, d, (h * 60 + mi) * 60 + sec - offset_minutes * 60, nanos);
}

}  // namespace ivs
