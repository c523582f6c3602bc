#include "store/sqlite/read_pool.h"

#include <utility>

namespace jwtd::store::sqlite {

ReadPool::ReadPool(std::vector<std::unique_ptr<Connection>> conns) : all_(std::move(conns)) {
  for (const auto& conn : all_) free_.push_back(conn.get());
}

ReadPool::Lease ReadPool::Acquire() {
  std::unique_lock lock(mu_);
  available_.wait(lock, [this] { return !free_.empty(); });
  Connection* conn = free_.back();
  free_.pop_back();
  return Lease(this, conn);
}

void ReadPool::Release(Connection* conn) {
  {
    std::lock_guard lock(mu_);
    free_.push_back(conn);
  }
  available_.notify_one();
}

}  // namespace jwtd::store::sqlite
