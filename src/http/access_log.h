// The access log's sink: one line per request must cost the request thread a formatted append
// to memory, never a write(2) — and never block when the reader of stderr stalls.
//
// Lines are formatted (spdlog pattern) into a bounded in-memory buffer under the sink's mutex.
// A writer thread of the sink writes the buffer to the fd in one write(2) batch when
// kBatchBytes are pending, on flush() (spdlog::flush_every calls it) and at least every
// kMaxDelay; so a line reaches the fd at most ~kMaxDelay after it was logged (the error log,
// synchronous, may thus appear before access lines logged earlier). When max_pending_bytes are
// waiting (the fd's reader is stuck), further lines are dropped and counted; a line telling how
// many is written once the writer catches up (a JSON object when the layout is JSON). The
// destructor writes what is pending.
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
#include <string_view>
#include <thread>

#include "http/log_line.h"

namespace jwtd::http {

// How a sink's lines are laid out: kCustom (any formatter), or one of log.format's layouts, which
// AccessLog may then write itself.
enum class SinkLayout { kCustom, kText, kJson };

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

  // Appends one finished line (its end of line included), as sink_it_ does with a formatted
  // message: AccessLog's way past spdlog's pattern machinery.
  void AppendLine(std::string_view line);
  // kText: the formatter is kAccessPattern's; kJson: a JsonFormatter. Set before the sink is
  // shared.
  SinkLayout layout() const { return layout_; }
  void set_layout(SinkLayout layout) { layout_ = layout; }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  void Append(std::string_view line);  // with mutex_ held
  void WriterLoop();
  void WriteAll(const std::string& bytes) const;

  const int fd_;
  const std::size_t max_pending_;
  SinkLayout layout_ = SinkLayout::kCustom;  // set before the sink is shared
  // Guarded by base_sink::mutex_.
  std::string pending_;
  std::uint64_t dropped_ = 0;
  std::uint64_t dropped_reported_ = 0;
  bool flush_requested_ = false;
  bool stopping_ = false;
  std::condition_variable wake_;
  std::thread writer_;  // last: started once the rest is initialised
};

// The layout of jwtd's log lines (spdlog pattern syntax, UTC): "2026-11-24T05:04:49.123Z info
// <message>".
inline constexpr const char* kAccessPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";

// An "access" logger for spdlog::register_logger: a BufferedFdSink on `fd` (stderr by default)
// in `format`'s layout (kAccessPattern, or JsonFormatter) at `level`; 4 MiB of pending lines at
// most.
std::shared_ptr<spdlog::logger> MakeAccessLogger(LogFormat format, spdlog::level::level_enum level,
                                                 int fd = 2);

// The access log's one line per request, at info level. On a logger from MakeAccessLogger the
// line is formatted here, straight into a per-thread buffer with a per-thread cached date, and
// appended to the sink: in the text layout byte for byte what kAccessPattern gives (spdlog's
// runtime format and pattern passes cost ~0.2 us per request), in the JSON layout one object
//   {"time","level":"info","logger":"access","message":"request","request_id","client",
//    "method","route","status","latency_us","bytes"}
// On any other logger it goes through logger->info. `route` is the matched route's pattern
// (never the path, which may hold ids, nor the query string); `bytes` is the response body's
// size (0 for a stream, logged when it starts). Never a token, cookie, password or
// Authorization header: only these fields. Thread-safe.
class AccessLog {
 public:
  explicit AccessLog(std::shared_ptr<spdlog::logger> logger);
  void Write(std::string_view request_id, std::string_view client, std::string_view method,
             std::string_view route, int status, std::int64_t latency_us,
             std::uint64_t bytes) const;

 private:
  void WriteText(std::string_view request_id, std::string_view client, std::string_view method,
                 std::string_view route, int status, std::int64_t latency_us,
                 std::uint64_t bytes) const;
  void WriteJson(std::string_view request_id, std::string_view client, std::string_view method,
                 std::string_view route, int status, std::int64_t latency_us,
                 std::uint64_t bytes) const;

  std::shared_ptr<spdlog::logger> logger_;
  BufferedFdSink* fast_ = nullptr;  // the logger's only sink, when its layout is kText or kJson
};

}  // namespace jwtd::http
