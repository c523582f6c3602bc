// A bounded pool of connections, opened on demand. A lease gives one thread exclusive use of
// one connection. A connection returned broken (or left inside a transaction) is closed, and so
// are the idle ones, which a server restart has most likely broken too: the next Acquire
// reconnects, so the pool heals on its own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "store/postgres/connection.h"

namespace jwtd::store::postgres {

class Pool {
 public:
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (conn_) pool_->Release(std::move(conn_));
    }
    Connection* operator->() const { return conn_.get(); }
    Connection& operator*() const { return *conn_; }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  Pool(ConnectSettings settings, std::size_t max_size);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // An idle connection, or a new one while fewer than max_size are open; waits up to `wait`
  // for a release otherwise. kUnavailable when the wait runs out or connecting fails.
  Result<Lease> Acquire(std::chrono::milliseconds wait);

  std::size_t max_size() const { return max_size_; }

 private:
  void Release(std::unique_ptr<Connection> conn);

  const ConnectSettings settings_;  // immutable after construction
  const std::size_t max_size_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  std::size_t open_ = 0;                           // leased + idle; guarded by mu_
};

}  // namespace jwtd::store::postgres
