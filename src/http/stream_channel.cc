#include "http/stream_channel.h"

#include <fmt/format.h>

#include <utility>

namespace jwtd::http {

StreamChannel::StreamChannel(std::size_t max_bytes, std::function<void()> wake)
    : max_bytes_(max_bytes), wake_(std::move(wake)) {}

bool StreamChannel::Write(std::string_view bytes) {
  std::lock_guard lock(mu_);
  if (closed_ || ended_ || overflowed_) return false;
  if (bytes.empty()) return true;
  // The bound is on the backlog: a write into an empty queue is always taken (one batch of the
  // feed may be larger than the bound), a write behind unread bytes only within it. The chunk's
  // own framing counts too: it is what the connection will hold.
  constexpr std::size_t kFraming = 20;
  if (!queued_.empty() && queued_.size() + bytes.size() + kFraming > max_bytes_) {
    overflowed_ = true;
    queued_.clear();
    queued_.shrink_to_fit();
    // Always woken, even with a wake pending: that one may be waiting on a write that will not
    // finish (the client stopped reading), and this one must drop the client now.
    if (!closed_) wake_();
    return false;
  }
  fmt::format_to(std::back_inserter(queued_), "{:x}\r\n", bytes.size());
  queued_.append(bytes).append("\r\n");
  WakeLocked();
  return true;
}

void StreamChannel::End() {
  std::lock_guard lock(mu_);
  if (closed_ || ended_) return;
  ended_ = true;
  WakeLocked();
}

StreamChannel::Taken StreamChannel::Take(std::string* out) {
  std::lock_guard lock(mu_);
  wake_posted_ = false;
  if (overflowed_) return {.ended = false, .overflowed = true};
  out->append(queued_);
  queued_.clear();
  if (ended_ && !last_taken_) {
    out->append("0\r\n\r\n");
    last_taken_ = true;
  }
  return {.ended = ended_, .overflowed = false};
}

void StreamChannel::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  queued_.clear();
}

bool StreamChannel::overflowed() const {
  std::lock_guard lock(mu_);
  return overflowed_;
}

std::size_t StreamChannel::queued_bytes() const {
  std::lock_guard lock(mu_);
  return queued_.size();
}

void StreamChannel::WakeLocked() {
  if (closed_ || wake_posted_) return;
  wake_posted_ = true;
  wake_();
}

}  // namespace jwtd::http
