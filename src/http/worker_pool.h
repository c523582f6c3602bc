// jwtd::http::WorkerPool — a fixed set of threads for the blocking work of requests (store
// transactions, Argon2id), off the I/O threads, behind a bounded queue (style.md: every queue is
// bounded). A full queue refuses at once so the connection can answer 503 instead of piling up.
//
// Thread-safety: TrySubmit, queued and Shutdown may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace jwtd::http {

class WorkerPool {
 public:
  WorkerPool(unsigned threads, std::size_t max_queued);
  ~WorkerPool();  // Shutdown()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job`; false when max_queued jobs are already waiting or the pool is shut down.
  bool TrySubmit(std::function<void()> job);
  // Jobs waiting (not yet running).
  std::size_t queued() const;
  // Runs the jobs already queued, then joins the threads. Idempotent.
  void Shutdown();

 private:
  void Loop();

  const std::size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::vector<std::thread> threads_;        // joined by Shutdown (one caller)
  std::once_flag shutdown_once_;
};

}  // namespace jwtd::http
