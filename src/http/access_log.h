// The access log's sink: one line per request must cost the request thread a formatted append
// to memory, never a write(2) — and never block when the reader of stderr stalls.
//
// Lines are formatted (spdlog pattern) into a bounded in-memory buffer under the sink's mutex.
// A writer thread of the sink writes the buffer to the fd in one write(2) batch when
// kBatchBytes are pending, on flush() (spdlog::flush_every calls it) and at least every
// kMaxDelay; so a line reaches the fd at most ~kMaxDelay after it was logged (the error log,
// synchronous, may thus appear before access lines logged earlier). When max_pending_bytes are
// waiting (the fd's reader is stuck), further lines are dropped and counted; a line telling how
// many is written once the writer catches up. The destructor writes what is pending.
//
// Thread-safety: as any spdlog _mt sink.
#pragma once

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace jwtd::http {

class BufferedFdSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  static constexpr std::size_t kBatchBytes = 32 * 1024;
  static constexpr std::chrono::milliseconds kMaxDelay{200};

  // `fd` is not owned (stderr: 2) and must stay open while the sink lives.
  BufferedFdSink(int fd, std::size_t max_pending_bytes);
  ~BufferedFdSink() override;
  BufferedFdSink(const BufferedFdSink&) = delete;
  BufferedFdSink& operator=(const BufferedFdSink&) = delete;

  std::uint64_t dropped();  // lines dropped so far because the buffer was full

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  void WriterLoop();
  void WriteAll(const std::string& bytes) const;

  const int fd_;
  const std::size_t max_pending_;
  // Guarded by base_sink::mutex_.
  std::string pending_;
  std::uint64_t dropped_ = 0;
  std::uint64_t dropped_reported_ = 0;
  bool flush_requested_ = false;
  bool stopping_ = false;
  std::condition_variable wake_;
  std::thread writer_;  // last: started once the rest is initialised
};

// An "access" logger for spdlog::register_logger: a BufferedFdSink on stderr with `pattern`
// (spdlog syntax, UTC time) at `level`; 4 MiB of pending lines at most.
std::shared_ptr<spdlog::logger> MakeAccessLogger(const std::string& pattern,
                                                 spdlog::level::level_enum level);

}  // namespace jwtd::http
