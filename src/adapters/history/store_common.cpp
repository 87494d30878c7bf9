#include "adapters/history/store_common.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "core/crypto.hpp"

namespace ivs::adapters::history {

std::string EncodeCursor(const HistoryCursor& c) {
    return Base64UrlEncode("h1:" + std::to_string(c.joined_at_ms) + ":" + std::to_string(c.id));
}

std::optional<HistoryCursor> DecodeCursor(const std::string& text) {
    std::string raw;
    if (text.size() > 128 || !Base64UrlDecode(text, raw) || raw.rfind("h1:", 0) != 0) {
        return std::nullopt;
    }
    auto sep = raw.find(':', 3);
    if (sep == std::string::npos) return std::nullopt;
    HistoryCursor c;
    const char* a = raw.data() + 3;
    const char* a_end = raw.data() + sep;
    const char* b = raw.data() + sep + 1;
    const char* b_end = raw.data() + raw.size();
    auto r1 = std::from_chars(a, a_end, c.joined_at_ms);
    auto r2 = std::from_chars(b, b_end, c.id);
    if (r1.ec != std::errc() || r1.ptr != a_end || r2.ec != std::errc() || r2.ptr != b_end) {
        return std::nullopt;
    }
    return c;
}

Result<HistoryRequest> MakeHistoryRequest(std::string user_id, int limit,
                                          const std::string& cursor) {
    HistoryRequest request{std::move(user_id), std::clamp(limit, 1, 100), std::nullopt};
    if (!cursor.empty()) {
        request.after = DecodeCursor(cursor);
        if (!request.after) return InvalidFields({"cursor"}, "cursor is not valid");
    }
    return request;
}

void TrimHistoryPage(ports::HistoryPage& page, const HistoryRequest& request) {
    if (static_cast<int>(page.records.size()) <= request.limit) return;
    page.records.resize(static_cast<std::size_t>(request.limit));
    const auto& last = page.records.back();
    page.next_cursor = EncodeCursor({ToUnixMillis(last.joined_at), last.id});
}

Error StoreError(std::string_view store, std::string_view operation, const std::exception& e) {
    Errc code = Errc::unavailable;
    if (auto* db = dynamic_cast<const DbError*>(&e)) code = db->code();
    spdlog::warn("history store ({}) {} failed: {}", store, operation, e.what());
    if (code == Errc::unavailable || code == Errc::timeout) {
        return Error(code, "History store is unavailable");
    }
    return Error(code, "History store error");
}

}  // namespace ivs::adapters::history
