#include "http/connection_limits.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include "http/reply.hpp"
#include "http/response_head.hpp"

namespace ivs::http {
namespace {

std::size_t NoFileLimit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 1 << 20;
    return static_cast<std::size_t>(rl.rlim_cur);
}

int OpenSpare() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

std::size_t ConnectionLimits::DerivedCap(std::size_t nofile) {
    if (nofile < 128) return std::max<std::size_t>(8, nofile / 2);
    // An eighth of the descriptors (at least 64) stays for log files, the SQLite database,
    // Redis, PostgreSQL and AWS connections, WebSockets and the overflow slots.
    return nofile - std::max<std::size_t>(64, nofile / 8);
}

ConnectionLimits::ConnectionLimits(std::size_t configured)
    : cap_(configured > 0 ? configured : DerivedCap(NoFileLimit())),
      overflow_(std::clamp<std::size_t>(cap_ / 32, 4, 16)),
      spare_fd_(OpenSpare()) {}

ConnectionLimits::~ConnectionLimits() {
    if (spare_fd_ >= 0) ::close(spare_fd_);
}

Admission ConnectionLimits::Admit() {
    if (open_.fetch_add(1) < cap_) return Admission::normal;
    open_.fetch_sub(1);
    if (overflowing_.fetch_add(1) < overflow_) return Admission::overflow;
    overflowing_.fetch_sub(1);
    return Admission::refused;
}

void ConnectionLimits::Release(Admission admission) {
    if (admission == Admission::normal) open_.fetch_sub(1);
    if (admission == Admission::overflow) overflowing_.fetch_sub(1);
}

bool ConnectionLimits::FreeSpare() {
    if (spare_fd_ < 0) return false;
    ::close(spare_fd_);
    spare_fd_ = -1;
    return true;
}

void ConnectionLimits::RestoreSpare() {
    if (spare_fd_ < 0) spare_fd_ = OpenSpare();
}

Error CapacityError() {
    return Error(Errc::unavailable, "Too many open connections, retry shortly").WithRetryAfter(1);
}

std::string RefusalBytes(const Error& error, unsigned version) {
    const Reply reply = EnvelopeError(error);
    std::string out;
    AppendResponseHead(out, reply, version, false, {});
    out.append(reply.body);
    return out;
}

std::string CapacityRefusal() { return RefusalBytes(CapacityError(), 11); }

}  // namespace ivs::http
