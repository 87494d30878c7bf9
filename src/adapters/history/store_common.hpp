#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/error.hpp"
#include "ports/history_store.hpp"

namespace ivs::adapters::history {

// Thrown inside the store threads and turned into a Result at the port boundary.
class DbError : public std::runtime_error {
public:
    DbError(Errc code, const std::string& what) : std::runtime_error(what), code_(code) {}
    Errc code() const { return code_; }

private:
    Errc code_;
};

// Position after the last row of a history page (rows are ordered by joined_at, id).
struct HistoryCursor {
    std::int64_t joined_at_ms = 0;
    std::int64_t id = 0;
};

std::string EncodeCursor(const HistoryCursor& c);
// nullopt for anything a previous page did not produce.
std::optional<HistoryCursor> DecodeCursor(const std::string& text);

// One page of a user's history as a store reads it: the limit clamped to 1..100, `after` set
// when the page continues a previous one.
struct HistoryRequest {
    std::string user_id;
    int limit = 0;
    std::optional<HistoryCursor> after;
};

// invalid_argument (field "cursor") for a cursor no previous page produced.
Result<HistoryRequest> MakeHistoryRequest(std::string user_id, int limit,
                                          const std::string& cursor);

// Cuts a page read with one row more than the request's limit back to the limit, pointing
// next_cursor after its last row when that extra row showed there is more.
void TrimHistoryPage(ports::HistoryPage& page, const HistoryRequest& request);

// The job reading one page of a user's history on a `Conn`: `read_page(Conn&, request)` returns
// up to limit + 1 records, newest first, and the total; the job trims the page. A cursor no
// previous page produced fails the job (not the call) with invalid_argument.
template <class Conn, class F>
auto HistoryPageJob(std::string user_id, int limit, const std::string& cursor, F read_page) {
    return [request = MakeHistoryRequest(std::move(user_id), limit, cursor),
            read_page](Conn& conn) -> Result<ports::HistoryPage> {
        if (!request) return request.error();
        ports::HistoryPage page = read_page(conn, *request);
        TrimHistoryPage(page, *request);
        return page;
    };
}

// The client-facing error for a failure inside a store thread; logs the driver text.
Error StoreError(std::string_view store, std::string_view operation, const std::exception& e);

// Runs `f` (returning Result<T>, or nothing for T = void) in a store thread; an exception from
// the driver becomes the StoreError of `operation` on `store`.
template <class T, class F>
Result<T> GuardedCall(std::string_view store, std::string_view operation, F&& f) {
    try {
        if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
            f();
            return Ok();
        } else {
            return f();
        }
    } catch (const std::exception& e) {
        return StoreError(store, operation, e);
    }
}

// The job `job(Conn&)` for a store's worker pool, run through GuardedCall.
template <class T, class Conn, class F>
auto GuardedJob(std::string_view store, std::string_view operation, F job) {
    return [store, operation, job = std::move(job)](Conn& conn) mutable -> Result<T> {
        return GuardedCall<T>(store, operation, [&] { return job(conn); });
    };
}

}  // namespace ivs::adapters::history
