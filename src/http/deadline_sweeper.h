// jwtd::http::DeadlineSweeper — enforces the connections' read, idle and write timeouts of one
// io_context with one timer, instead of a timer per connection re-armed on every read and write.
//
// A connection records the deadline of the I/O it is waiting for as a plain number (coarse
// monotonic milliseconds): that is all a request pays. The sweeper ticks every `tick` and asks
// each of its connections to close itself if its deadline has passed, so a timeout takes
// effect up to one tick late (the tick is a fraction of the shortest timeout: see Server).
// Beast's basic_stream re-armed a timer for every read and write (a clock read, a timer-queue
// insert and cancel, a wait handler each): about 1 us of CPU per GET /v1/me under wrk.
//
// Thread-safety: every method runs on the io_context's one thread (connections register from
// their own handlers, which run there). The sweeper ticks until Stop() and then until its last
// connection is gone, so the io_context's run() returns once the server stops.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace jwtd::http {

// CLOCK_MONOTONIC_COARSE in milliseconds: a few nanoseconds to read, a few milliseconds coarse.
std::int64_t CoarseMonotonicMillis();

// What the sweeper needs of a connection.
class Watched {
 public:
  virtual ~Watched() = default;
  // Closes the connection if it waits for I/O whose deadline is at or before `now_ms`
  // (CoarseMonotonicMillis). Runs on the connection's io_context thread.
  virtual void CloseIfPastDeadline(std::int64_t now_ms) = 0;
};

class DeadlineSweeper {
 public:
  DeadlineSweeper(boost::asio::io_context& context, std::chrono::milliseconds tick);
  DeadlineSweeper(const DeadlineSweeper&) = delete;
  DeadlineSweeper& operator=(const DeadlineSweeper&) = delete;

  // Starts ticking (call once, from any thread, before run()).
  void Start();
  // After Stop(), the sweeper stops ticking once it watches no live connection. Any thread.
  void Stop();
  // Watches `connection` until it is destroyed. On the io_context's thread.
  void Watch(std::weak_ptr<Watched> connection);

 private:
  void Arm();
  void Tick();

  boost::asio::io_context& context_;
  const std::chrono::milliseconds tick_;
  boost::asio::steady_timer timer_;
  std::vector<std::weak_ptr<Watched>> watched_;  // on the io_context's thread
  bool stopping_ = false;                        // on the io_context's thread
};

}  // namespace jwtd::http
