#include "http/access_log.h"

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
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
  Append(std::string_view(line.data(), line.size()));
}

void BufferedFdSink::AppendLine(std::string_view line) {
  std::lock_guard lock(mutex_);
  Append(line);
}

void BufferedFdSink::Append(std::string_view line) {
  if (pending_.size() + line.size() > max_pending_) {
    ++dropped_;
    return;
  }
  const bool was_below = pending_.size() < kBatchBytes;
  pending_.append(line);
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
      const std::string message = "access log: " + std::to_string(dropped_ - dropped_reported_) +
                                  " lines dropped (the log's reader did not keep up)";
      if (layout_ == SinkLayout::kJson) {
        timespec now{};
        ::clock_gettime(CLOCK_REALTIME, &now);
        AppendJsonHead(batch, now.tv_sec, now.tv_nsec, "warning", "access", message);
        batch += "}\n";
      } else {
        batch += message + "\n";
      }
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

std::shared_ptr<spdlog::logger> MakeAccessLogger(LogFormat format, spdlog::level::level_enum level,
                                                 int fd) {
  constexpr std::size_t kMaxPending = 4 * 1024 * 1024;
  auto sink = std::make_shared<BufferedFdSink>(fd, kMaxPending);
  if (format == LogFormat::kJson) {
    sink->set_formatter(std::make_unique<JsonFormatter>());
    sink->set_layout(SinkLayout::kJson);
  } else {
    sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        kAccessPattern, spdlog::pattern_time_type::utc));
    sink->set_layout(SinkLayout::kText);
  }
  auto logger = std::make_shared<spdlog::logger>("access", std::move(sink));
  logger->set_level(level);
  return logger;
}

namespace {

void AppendTimestamp(std::string& out) {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  AppendUtcTimestamp(out, now.tv_sec, now.tv_nsec);
}

}  // namespace

AccessLog::AccessLog(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {
  const auto& sinks = logger_->sinks();
  if (sinks.size() != 1) return;
  auto* sink = dynamic_cast<BufferedFdSink*>(sinks.front().get());
  if (sink != nullptr && sink->layout() != SinkLayout::kCustom) fast_ = sink;
}

void AccessLog::Write(std::string_view request_id, std::string_view client, std::string_view method,
                      std::string_view route, int status, std::int64_t latency_us,
                      std::uint64_t bytes) const {
  if (!logger_->should_log(spdlog::level::info)) return;
  if (fast_ == nullptr) {
    logger_->info("request id={} client={} method={} route={} status={} latency_us={} bytes={}",
                  request_id, client, method, route, status, latency_us, bytes);
  } else if (fast_->layout() == SinkLayout::kText) {
    WriteText(request_id, client, method, route, status, latency_us, bytes);
  } else {
    WriteJson(request_id, client, method, route, status, latency_us, bytes);
  }
}

void AccessLog::WriteText(std::string_view request_id, std::string_view client,
                          std::string_view method, std::string_view route, int status,
                          std::int64_t latency_us, std::uint64_t bytes) const {
  thread_local std::string line;  // its capacity is reused: no allocation per request
  line.clear();
  AppendTimestamp(line);
  line.append(" info request id=").append(request_id);
  line.append(" client=").append(client);
  line.append(" method=").append(method);
  line.append(" route=").append(route);
  line.append(" status=");
  line.append(fmt::format_int(status).c_str());
  line.append(" latency_us=");
  line.append(fmt::format_int(latency_us).c_str());
  line.append(" bytes=");
  line.append(fmt::format_int(bytes).c_str());
  line.push_back('\n');
  fast_->AppendLine(line);
}

void AccessLog::WriteJson(std::string_view request_id, std::string_view client,
                          std::string_view method, std::string_view route, int status,
                          std::int64_t latency_us, std::uint64_t bytes) const {
  thread_local std::string line;
  line.clear();
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  AppendJsonHead(line, now.tv_sec, now.tv_nsec, "info", "access", "request");
  line.append(",\"request_id\":");
  AppendJsonString(line, request_id);
  line.append(",\"client\":");
  AppendJsonString(line, client);
  line.append(",\"method\":");
  AppendJsonString(line, method);
  line.append(",\"route\":");
  AppendJsonString(line, route);
  line.append(",\"status\":");
  line.append(fmt::format_int(status).c_str());
  line.append(",\"latency_us\":");
  line.append(fmt::format_int(latency_us).c_str());
  line.append(",\"bytes\":");
  line.append(fmt::format_int(bytes).c_str());
  line.append("}\n");
  fast_->AppendLine(line);
}

}  // namespace jwtd::http
