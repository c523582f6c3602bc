// The server's background upkeep, on one thread: apply the key-rotation policy and pick up key
// changes made by `jwtd keys`, and sweep expired rows, security events every stream is done
// with, and audit rows past audit.retention. (The revocation log is followed by the sync's own
// poller thread, app/bus_wiring.h.) Each step logs failures and carries on: a failed step is
// retried on the next tick, never fatal.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "app/config.h"
#include "app/runtime.h"

namespace jwtd::app {

class Maintenance {
 public:
  Maintenance(const Config& config, Runtime& runtime);
  ~Maintenance();  // stops and joins

  void Stop();

 private:
  void Run();
  void Tick(std::int64_t now);
  // The store's sweeps, one after the other, until one finds the store unavailable.
  void Sweep();

  const Config& config_;
  Runtime& runtime_;
  std::int64_t next_sweep_ = 0;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace jwtd::app
