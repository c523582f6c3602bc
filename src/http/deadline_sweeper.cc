#include "http/deadline_sweeper.h"

#include <time.h>

#include <algorithm>
#include <boost/asio/post.hpp>

namespace jwtd::http {

std::int64_t CoarseMonotonicMillis() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

DeadlineSweeper::DeadlineSweeper(boost::asio::io_context& context, std::chrono::milliseconds tick)
    : context_(context), tick_(tick), timer_(context) {}

void DeadlineSweeper::Start() {
  boost::asio::post(context_, [this] { Arm(); });
}

void DeadlineSweeper::Stop() {
  boost::asio::post(context_, [this] { stopping_ = true; });
}

void DeadlineSweeper::Watch(std::weak_ptr<Watched> connection) {
  watched_.push_back(std::move(connection));
}

void DeadlineSweeper::Arm() {
  // While stopping, tick often: run() returns at the first tick that finds no connection.
  constexpr std::chrono::milliseconds kStoppingTick{10};
  timer_.expires_after(stopping_ ? std::min(tick_, kStoppingTick) : tick_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Tick();
  });
}

void DeadlineSweeper::Tick() {
  const std::int64_t now = CoarseMonotonicMillis();
  // Closing a connection only cancels its pending operation (its handlers run later), so
  // walking the list while closing is safe; the dead are compacted away in the same pass.
  std::size_t live = 0;
  for (auto& weak : watched_) {
    auto connection = weak.lock();
    if (!connection) continue;
    connection->CloseIfPastDeadline(now);
    if (&watched_[live] != &weak) watched_[live] = std::move(weak);
    ++live;
  }
  watched_.resize(live);
  if (stopping_ && watched_.empty()) return;
  Arm();
}

}  // namespace jwtd::http
