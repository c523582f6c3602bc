// What the accept loop does when accepting fails for lack of resources, and how often it says so.
//
// EMFILE, ENFILE, ENOBUFS and ENOMEM leave the pending connection in the kernel's queue, so the
// listening socket stays readable and an immediate retry fails again at once: without a pause
// one I/O thread spins at 100 % and the log fills with the same line. AcceptBackoff gives the
// pause (10 ms, doubling up to 1 s, back to 10 ms after an accept succeeds) and LogThrottle
// keeps the log to one line per interval that counts the failures since the last one.
//
// Pure state, no clock of its own (the caller passes the time). Not thread-safe: the server
// keeps them on the acceptor's strand.
#pragma once

#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>

namespace jwtd::http {

// True for the accept errors that mean "out of descriptors or memory" (EMFILE, ENFILE, ENOBUFS,
// ENOMEM): retrying at once cannot succeed.
bool IsResourceError(const boost::system::error_code& ec);

class AcceptBackoff {
 public:
  static constexpr std::chrono::milliseconds kFirst{10};
  static constexpr std::chrono::milliseconds kMax{1000};

  // One more resource error: the wait before the next accept (kFirst, then doubling to kMax).
  std::chrono::milliseconds Failed();
  // An accept succeeded: the next failure waits kFirst again.
  void Succeeded() { delay_ = std::chrono::milliseconds(0); }

 private:
  std::chrono::milliseconds delay_{0};
};

// Counts events; says when one line about them may be written: at the first event, then at
// most once per `interval`.
class LogThrottle {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  explicit LogThrottle(std::chrono::steady_clock::duration interval) : interval_(interval) {}

  // Counts one event at `now`. Returns how many events to report in a line written now (this
  // one and those held back since the last line), or 0 to stay quiet.
  std::uint64_t Count(TimePoint now);

 private:
  const std::chrono::steady_clock::duration interval_;
  std::uint64_t pending_ = 0;
  bool logged_ = false;
  TimePoint last_{};
};

}  // namespace jwtd::http
