#include "http/accept_backoff.h"

#include <algorithm>
#include <cerrno>

namespace jwtd::http {

bool IsResourceError(const boost::system::error_code& ec) {
  // Asio reports accept(2)'s errno in the system category.
  if (ec.category() != boost::system::system_category()) return false;
  const int e = ec.value();
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

std::chrono::milliseconds AcceptBackoff::Failed() {
  delay_ = delay_.count() == 0 ? kFirst : std::min(delay_ * 2, kMax);
  return delay_;
}

std::uint64_t LogThrottle::Count(TimePoint now) {
  ++pending_;
  if (logged_ && now - last_ < interval_) return 0;
  logged_ = true;
  last_ = now;
  const std::uint64_t n = pending_;
  pending_ = 0;
  return n;
}

}  // namespace jwtd::http
