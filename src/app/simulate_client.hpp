#pragma once

// What `ivs-server simulate` needs to act like a client of the product: calls to the server's
// API (x-api-key or a viewer session token) and media sessions at the IVS endpoints a token
// names (WHIP for publishers, the subscribe endpoint for viewers). Every request has a deadline.
// Single-threaded: use from coroutines of one io_context.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "adapters/aws/http_client.hpp"
#include "core/error.hpp"

namespace ivs::simulate {

struct SimulateOptions {
    std::string url;      // the server, e.g. http://localhost:3000
    std::string api_key;  // x-api-key for token calls
    std::string user_id = "sim-publisher";
    int count = 1;        // viewers
    int concurrency = 16; // viewer joins in flight at once
    std::chrono::milliseconds request_timeout{5000};
};

// Set once by SIGINT/SIGTERM; every wait of the simulator ends early when it is set.
class StopSignal {
public:
    explicit StopSignal(boost::asio::any_io_executor executor);
    bool stopped() const { return stopped_; }
    void Stop();
    // Waits `d` or until Stop(); false when stopped.
    boost::asio::awaitable<bool> Sleep(std::chrono::milliseconds d);

private:
    bool stopped_ = false;
    boost::asio::steady_timer stop_timer_;
};

// One answer of the server's /api: the HTTP status and the envelope's data or error.
struct ApiAnswer {
    unsigned status = 0;
    boost::json::object data;
    std::string code;     // error.code when the call failed
    std::string message;  // error.message when the call failed
    int retry_after_seconds = 0;
    bool ok() const { return status >= 200 && status < 300; }
    std::string Describe() const;  // "404 NOT_FOUND: The broadcast is not live"
};

// A media session opened at the emulator: its absolute resource URL (WHIP Location).
struct MediaLeg {
    std::string location;
    std::string participant_id;
};

// A participant token's `whip_url` claim (the stage's WHIP endpoint), or "" when the token
// carries none.
std::string WhipUrlOf(std::string_view token);
// The subscribe endpoint beside a WHIP endpoint (".../whip" -> ".../subscribe").
std::string SubscribeUrlOf(std::string_view whip_url);
// A Location header resolved against the URL the request went to.
std::string ResolveLocation(std::string_view request_url, std::string_view location);

class SimClient {
public:
    SimClient(boost::asio::any_io_executor executor, SimulateOptions options);

    const SimulateOptions& options() const { return options_; }

    // POST a JSON body to the server's `path`, with the API key, or with `bearer` (a viewer
    // session token) when given. Errors: transport failures (unavailable, timeout) and an answer
    // that is not the JSON envelope (internal).
    boost::asio::awaitable<Result<ApiAnswer>> Api(std::string path, boost::json::object body,
                                                  std::string bearer = {});

    // POSTs a small SDP offer to `endpoint` with the participant token. Errors carry the HTTP
    // status in details.status when the endpoint refused (401/403/404...).
    boost::asio::awaitable<Result<MediaLeg>> OpenMedia(std::string endpoint, std::string token);

    // PATCH (keep alive) or DELETE (leave) a media session; the HTTP status.
    boost::asio::awaitable<Result<unsigned>> MediaCall(std::string method, std::string location);

private:
    SimulateOptions options_;
    std::shared_ptr<aws::HttpClient> http_;
};

// Prints one progress line (stdout, flushed) with the command's prefix.
void Say(std::string_view who, std::string_view line);

}  // namespace ivs::simulate
