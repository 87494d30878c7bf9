#pragma once

#include <utility>

namespace ivs::adapters::history {

// Runs `cleanup`, dropping any error it throws. Cleanup follows either success or a failure
// that is already on its way to the caller, and a broken connection has nothing left to release.
template <class F>
void CleanUp(F&& cleanup) noexcept {
    try {
        cleanup();
    } catch (...) {
    }
}

// Runs `cleanup` through CleanUp when the scope ends, however it ends.
template <class F>
class CleanupOnExit {
public:
    explicit CleanupOnExit(F cleanup) : cleanup_(std::move(cleanup)) {}
    ~CleanupOnExit() { CleanUp(cleanup_); }
    CleanupOnExit(const CleanupOnExit&) = delete;
    CleanupOnExit& operator=(const CleanupOnExit&) = delete;

private:
    F cleanup_;
};

// A transaction on one connection, rolled back unless Commit() ran. `Conn` provides
// BeginTransaction(), CommitTransaction() and RollbackTransaction(); a failed rollback is
// dropped (the server or the driver has already ended the transaction). Not thread-safe, like
// the connection.
template <class Conn>
class DbTransaction {
public:
    explicit DbTransaction(Conn& conn) : conn_(conn) { conn_.BeginTransaction(); }
    ~DbTransaction() {
        if (!done_) CleanUp([this] { conn_.RollbackTransaction(); });
    }
    DbTransaction(const DbTransaction&) = delete;
    DbTransaction& operator=(const DbTransaction&) = delete;

    void Commit() {
        conn_.CommitTransaction();
        done_ = true;
    }

private:
    Conn& conn_;
    bool done_ = false;
};

}  // namespace ivs::adapters::history
