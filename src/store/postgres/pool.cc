#include "store/postgres/pool.h"

#include <algorithm>
#include <utility>

namespace jwtd::store::postgres {

Pool::Pool(ConnectSettings settings, std::size_t max_size)
    : settings_(std::move(settings)), max_size_(std::max<std::size_t>(max_size, 1)) {}

Result<Pool::Lease> Pool::Acquire(std::chrono::milliseconds wait) {
  {
    std::unique_lock lock(mu_);
    const bool ready =
        available_.wait_for(lock, wait, [this] { return !idle_.empty() || open_ < max_size_; });
    if (!ready) return Unavailable("postgres: all pooled connections are busy");
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // reserve the slot, connect outside the lock
  }
  Result<std::unique_ptr<Connection>> conn = Connection::Open(settings_);
  if (!conn.ok()) {
    std::lock_guard lock(mu_);
    --open_;
    available_.notify_one();
    return conn.error();
  }
  return Lease(this, std::move(*conn));
}

void Pool::Release(std::unique_ptr<Connection> conn) {
  std::vector<std::unique_ptr<Connection>> stale;  // closed outside the lock
  {
    std::lock_guard lock(mu_);
    if (!conn->broken() && conn->idle()) {
      idle_.push_back(std::move(conn));
      available_.notify_one();
      return;
    }
    stale.swap(idle_);
    open_ -= 1 + stale.size();
    available_.notify_all();
  }
  conn.reset();
}

}  // namespace jwtd::store::postgres
