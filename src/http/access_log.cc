#include "http/access_log.h"

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace jwtd::http {

BufferedFdSink::BufferedFdSink(int fd, std::size_t max_pending_bytes)
    : fd_(fd), max_pending_(max_pending_bytes), writer_([this] { WriterLoop(); }) {}

BufferedFdSink::~BufferedFdSink() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();  // it writes what is pending before it returns
}

std::uint64_t BufferedFdSink::dropped() {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void BufferedFdSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t line;
  formatter_->format(msg, line);
  if (pending_.size() + line.size() > max_pending_) {
    ++dropped_;
    return;
  }
  const bool was_below = pending_.size() < kBatchBytes;
  pending_.append(line.data(), line.size());
  // Wake the writer once per batch, not per line (a wake-up costs more than the line).
  if (was_below && pending_.size() >= kBatchBytes) wake_.notify_one();
}

void BufferedFdSink::flush_() {
  flush_requested_ = true;
  wake_.notify_one();
}

void BufferedFdSink::WriterLoop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, kMaxDelay, [this] {
      return stopping_ || flush_requested_ || pending_.size() >= kBatchBytes;
    });
    flush_requested_ = false;
    std::string batch;
    batch.swap(pending_);
    if (dropped_ != dropped_reported_) {
      batch += "access log: " + std::to_string(dropped_ - dropped_reported_) +
               " lines dropped (the log's reader did not keep up)\n";
      dropped_reported_ = dropped_;
    }
    const bool last = stopping_;
    lock.unlock();
    WriteAll(batch);  // outside the lock: requests keep appending meanwhile
    lock.lock();
    if (last && pending_.empty()) return;
  }
}

void BufferedFdSink::WriteAll(const std::string& bytes) const {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to write (closed fd, full disk): the lines are lost
    done += static_cast<std::size_t>(n);
  }
}

std::shared_ptr<spdlog::logger> MakeAccessLogger(const std::string& pattern,
                                                 spdlog::level::level_enum level) {
  constexpr std::size_t kMaxPending = 4 * 1024 * 1024;
  auto sink = std::make_shared<BufferedFdSink>(STDERR_FILENO, kMaxPending);
  sink->set_formatter(
      std::make_unique<spdlog::pattern_formatter>(pattern, spdlog::pattern_time_type::utc));
  auto logger = std::make_shared<spdlog::logger>("access", std::move(sink));
  logger->set_level(level);
  return logger;
}

}  // namespace jwtd::http
