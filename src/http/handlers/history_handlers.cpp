#include "http/handlers/history_handlers.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "core/ids.hpp"
#include "core/time_format.hpp"

namespace ivs::http {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr int kMaxBuckets = 1440;
constexpr int kMaxDays = 3650;

std::optional<int> ParseInt(std::string_view s, int lo, int hi) {
    int v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < lo || v > hi) {
        return std::nullopt;
    }
    return v;
}

json::value OrNull(const std::optional<SystemTime>& t) {
    return t ? json::value(FormatIso8601Millis(*t)) : json::value(nullptr);
}

json::object SessionJson(const ports::SessionRecord& r) {
    return {{"id", r.id},
            {"sessionId", r.session_id},
            {"userId", r.user_id},
            {"stageArn", r.stage_arn},
            {"participantId", r.participant_id},
            {"joinedAt", FormatIso8601Millis(r.joined_at)},
            {"leftAt", OrNull(r.left_at)},
            {"watchDurationSeconds", r.watch_duration_seconds
                                         ? json::value(*r.watch_duration_seconds)
                                         : json::value(nullptr)}};
}

// GET /api/viewer/history/:userId
Handler ViewerHistory(std::shared_ptr<ports::HistoryStore> store) {
    return [store](RequestContext& ctx) -> asio::awaitable<Reply> {
        std::string user_id(ctx.Param("userId"));
        std::vector<std::string> invalid;
        if (!IsValidUserId(user_id)) invalid.push_back("userId");
        int limit = 10;
        if (auto l = ctx.Query("limit")) {
            auto v = ParseInt(*l, 1, 100);
            if (v) {
                limit = *v;
            } else {
                invalid.push_back("limit");
            }
        }
        std::string cursor(ctx.Query("cursor").value_or(""));
        if (!invalid.empty()) {
            co_return EnvelopeError(InvalidFields(
                invalid, "userId must be 1-128 characters of [A-Za-z0-9._:@-] and limit 1-100"));
        }
        auto page = co_await store->History(user_id, limit, cursor);
        if (!page) co_return EnvelopeError(page.error());
        json::array history;
        for (const auto& r : page->records) history.push_back(SessionJson(r));
        json::object data{{"userId", user_id},
                          {"totalRecords", page->total_records},
                          {"history", std::move(history)}};
        if (!page->next_cursor.empty()) data["nextCursor"] = page->next_cursor;
        co_return EnvelopeOk(std::move(data));
    };
}

// GET /api/viewer/stats/:stageArn
Handler ViewerStats(std::shared_ptr<ports::HistoryStore> store, Clock& clock) {
    return [store, &clock](RequestContext& ctx) -> asio::awaitable<Reply> {
        std::string arn(ctx.Param("stageArn"));
        std::vector<std::string> invalid;
        if (!IsStageArn(arn)) invalid.push_back("stageArn");
        int days = 7;
        if (auto d = ctx.Query("days")) {
            auto v = ParseInt(*d, 1, kMaxDays);
            if (v) {
                days = *v;
            } else {
                invalid.push_back("days");
            }
        }
        if (!invalid.empty()) {
            co_return EnvelopeError(InvalidFields(
                invalid, "stageArn must be an IVS stage ARN and days 1-3650"));
        }
        auto since = clock.Now() - std::chrono::hours(24) * days;
        auto stats = co_await store->StageStats(arn, since);
        if (!stats) co_return EnvelopeError(stats.error());
        json::object s{{"stageArn", arn},
                       {"totalViews", stats->total_views},
                       {"uniqueViewers", stats->unique_viewers},
                       {"avgWatchDuration", stats->avg_watch_duration},
                       {"maxWatchDuration", stats->max_watch_duration}};
        co_return EnvelopeOk(json::object{{"stageArn", arn}, {"days", days}, {"stats", s}});
    };
}

// GET /api/stats/timeseries
Handler Timeseries(std::shared_ptr<ports::HistoryStore> store, Clock& clock) {
    return [store, &clock](RequestContext& ctx) -> asio::awaitable<Reply> {
        std::vector<std::string> invalid;
        ports::TimeseriesQuery q;
        if (auto a = ctx.Query("stageArn"); a && !a->empty()) {
            if (IsStageArn(*a)) {
                q.stage_arn = std::string(*a);
            } else {
                invalid.push_back("stageArn");
            }
        }
        auto now = clock.Now();
        q.to = now;
        q.from = now - std::chrono::hours(1);
        if (auto t = ctx.Query("to")) {
            if (auto p = ParseIso8601(*t)) {
                q.to = *p;
            } else {
                invalid.push_back("to");
            }
        }
        if (auto f = ctx.Query("from")) {
            if (auto p = ParseIso8601(*f)) {
                q.from = *p;
            } else {
                invalid.push_back("from");
            }
        } else {
            q.from = q.to - std::chrono::hours(1);
        }
        if (auto s = ctx.Query("step")) {
            if (auto p = ParseStep(*s)) {
                q.step = *p;
            } else {
                invalid.push_back("step");
            }
        }
        if (invalid.empty() && q.from >= q.to) invalid = {"from", "to"};
        if (invalid.empty()) {
            auto span = std::chrono::duration_cast<std::chrono::seconds>(q.to - q.from);
            if ((span.count() + q.step.count() - 1) / q.step.count() > kMaxBuckets) {
                invalid.push_back("step");
            }
        }
        if (!invalid.empty()) {
            co_return EnvelopeError(InvalidFields(
                invalid,
                "from/to must be ISO-8601 times with from < to, step like 60, \"30s\", "
                "\"5m\", \"1h\", at most 1440 buckets"));
        }
        auto points = co_await store->Timeseries(q);
        if (!points) co_return EnvelopeError(points.error());
        json::array out;
        for (const auto& p : *points) {
            out.push_back(json::object{{"timestamp", FormatIso8601Millis(p.bucket)},
                                       {"avgViewers", std::round(p.avg_viewers * 100) / 100},
                                       {"maxViewers", p.max_viewers},
                                       {"minViewers", p.min_viewers},
                                       {"samples", p.samples}});
        }
        json::object data{
            {"stageArn", q.stage_arn ? json::value(*q.stage_arn) : json::value(nullptr)},
            {"from", FormatIso8601Millis(q.from)},
            {"to", FormatIso8601Millis(q.to)},
            {"stepSeconds", q.step.count()},
            {"points", std::move(out)}};
        co_return EnvelopeOk(std::move(data));
    };
}

}  // namespace

std::optional<std::chrono::seconds> ParseStep(std::string_view text) {
    if (text.empty() || text.size() > 12) return std::nullopt;
    std::int64_t unit = 1;
    switch (text.back()) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: unit = 0;
    }
    std::string_view digits = unit ? text.substr(0, text.size() - 1) : text;
    if (!unit) unit = 1;
    std::int64_t n = 0;
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || r.ec != std::errc() || r.ptr != digits.data() + digits.size() ||
        n < 1 || n > 366 * 86400 / unit) {
        return std::nullopt;
    }
    return std::chrono::seconds(n * unit);
}

void RegisterHistoryRoutes(Router& router, std::shared_ptr<ports::HistoryStore> store,
                           Clock& clock) {
    router.Add(Verb::get, "/api/viewer/history/:userId", ViewerHistory(store),
               {Access::read, false, "A viewer's past sessions, newest first (cursor paging)"});
    router.Add(Verb::get, "/api/viewer/stats/:stageArn", ViewerStats(store, clock),
               {Access::read, false, "Aggregate viewing stats of a stage over the last days"});
    router.Add(Verb::get, "/api/stats/timeseries", Timeseries(store, clock),
               {Access::read, false, "Viewer snapshots over a time range, bucketed by step"});
}

}  // namespace ivs::http
