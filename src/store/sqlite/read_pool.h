// A fixed pool of read connections. Acquire() blocks while all are leased; each lease gives
// one thread exclusive use of one connection (SQLite connections are opened NOMUTEX).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "store/sqlite/connection.h"

namespace jwtd::store::sqlite {

class ReadPool {
 public:
  class Lease {
   public:
    Lease(ReadPool* pool, Connection* conn) : pool_(pool), conn_(conn) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_->Release(conn_); }
    Connection* operator->() const { return conn_; }
    Connection& operator*() const { return *conn_; }

   private:
    ReadPool* pool_;
    Connection* conn_;
  };

  explicit ReadPool(std::vector<std::unique_ptr<Connection>> conns);
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  Lease Acquire();

 private:
  void Release(Connection* conn);

  const std::vector<std::unique_ptr<Connection>> all_;  // immutable after construction
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<Connection*> free_;  // guarded by mu_
};

}  // namespace jwtd::store::sqlite
