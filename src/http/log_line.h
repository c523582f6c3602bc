// The pieces of jwtd's log lines shared by the error log and the access log, in both layouts
// (log.format): the UTC timestamp, and for "json" a string escaped as JSON and the spdlog
// formatter that writes each event as one JSON object per line.
//
// JSON lines are {"time","level","logger","message"} (the access log adds its fields), valid
// JSON whatever a message holds: quotes, backslashes and control characters are escaped, and
// bytes that are not UTF-8 become U+FFFD (RFC 8259 §7, §8.1), so a parser never fails on a line.
//
// Thread-safety: the functions are; a JsonFormatter, like any spdlog formatter, is used under its
// sink's lock.
#pragma once

#include <spdlog/formatter.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace jwtd::http {

// The layouts of log.format: "text" (spdlog pattern kAccessPattern), "json".
enum class LogFormat { kText, kJson };

// "2026-11-24T05:04:49.123Z" (UTC, milliseconds) for `seconds` + `nanos` since the epoch;
// gmtime once per second per thread.
void AppendUtcTimestamp(std::string& out, std::int64_t seconds, std::int64_t nanos);

// `s` as a JSON string, quotes included.
void AppendJsonString(std::string& out, std::string_view s);

// Formats every event as {"time":...,"level":...,"logger":...,"message":...} and a newline.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// The start of a JSON line up to its message, and the message: {"time":"..","level":"..",
// "logger":"..","message":"..". The caller adds fields and "}\n".
void AppendJsonHead(std::string& out, std::int64_t seconds, std::int64_t nanos,
                    std::string_view level, std::string_view logger, std::string_view message);

}  // namespace jwtd::http
