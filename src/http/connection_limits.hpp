#pragma once

#include <atomic>
#include <cstddef>
#include <string>

#include "core/error.hpp"

namespace ivs::http {

// How a newly accepted connection is treated.
enum class Admission {
    normal,    // below the cap: served as usual
    overflow,  // over the cap: one request with a short deadline, /health only, others 503
    refused,   // far over the cap: a 503 written at once, then closed
};

// Connection accounting of the HTTP server, so descriptors never run out: a cap below the
// process's descriptor limit, a few overflow slots above it so /health keeps answering, and one
// spare descriptor held back to answer (503) even when the process has none left. Thread-safe
// apart from the spare descriptor, which only the accept loop uses.
class ConnectionLimits {
public:
    // `configured` is MAX_CONNECTIONS; 0 derives the cap from RLIMIT_NOFILE.
    explicit ConnectionLimits(std::size_t configured);
    ~ConnectionLimits();
    ConnectionLimits(const ConnectionLimits&) = delete;
    ConnectionLimits& operator=(const ConnectionLimits&) = delete;

    std::size_t cap() const { return cap_; }
    std::size_t overflow() const { return overflow_; }
    std::size_t open() const { return open_.load(); }

    // Takes a slot for a new connection (refused ones take none). Every normal or overflow
    // admission is paired with one Release of the same kind.
    Admission Admit();
    void Release(Admission admission);

    // Closes the spare descriptor so one accept can succeed; false when there is none.
    bool FreeSpare();
    // Takes the spare descriptor again after FreeSpare.
    void RestoreSpare();

    // The cap for a descriptor limit of `nofile`: what is left after a reserve for the
    // server's own files and dependency connections.
    static std::size_t DerivedCap(std::size_t nofile);

private:
    const std::size_t cap_;
    const std::size_t overflow_;
    std::atomic<std::size_t> open_{0};
    std::atomic<std::size_t> overflowing_{0};
    int spare_fd_ = -1;
};

// 503 SERVICE_UNAVAILABLE for a connection over the cap, with Retry-After.
Error CapacityError();
// The whole HTTP/1.1 response a connection refused for capacity gets: 503 SERVICE_UNAVAILABLE
// in the JSON envelope, Retry-After, Connection: close.
std::string CapacityRefusal();
// The whole HTTP response (of `version`, 11 for HTTP/1.1) that refuses a request with `error`
// in the JSON envelope and Connection: close.
std::string RefusalBytes(const Error& error, unsigned version);

}  // namespace ivs::http
