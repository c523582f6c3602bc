#include "http/log_line.h"

#include <spdlog/details/log_msg.h>
#include <time.h>

#include <chrono>
#include <ctime>

namespace jwtd::http {
namespace {

// "2026-11-24T05:04:49." for the current second, recomputed when the second changes.
struct DatePrefix {
  std::int64_t second = -1;
  char text[32] = {};
  std::size_t size = 0;
};

// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629 §4: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0 if it is not one.
std::size_t Utf8SequenceLength(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  std::size_t n = 0;
  unsigned char min2 = 0x80, max2 = 0xbf;  // the allowed range of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    n = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    n = 3;
    if (lead == 0xe0) min2 = 0xa0;
    if (lead == 0xed) max2 = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    n = 4;
    if (lead == 0xf0) min2 = 0x90;
    if (lead == 0xf4) max2 = 0x8f;
  } else {
    return 0;
  }
  if (s.size() < n || byte(1) < min2 || byte(1) > max2) return 0;
  for (std::size_t i = 2; i < n; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
  }
  return n;
}

}  // namespace

void AppendUtcTimestamp(std::string& out, std::int64_t seconds, std::int64_t nanos) {
  thread_local DatePrefix cache;
  if (seconds != cache.second) {
    std::tm utc{};
    const std::time_t t = seconds;
    ::gmtime_r(&t, &utc);
    cache.size = std::strftime(cache.text, sizeof cache.text, "%Y-%m-%dT%H:%M:%S.", &utc);
    cache.second = seconds;
  }
  out.append(cache.text, cache.size);
  const auto ms = static_cast<int>(nanos / 1'000'000);
  const char millis[4] = {static_cast<char>('0' + ms / 100), static_cast<char>('0' + ms / 10 % 10),
                          static_cast<char>('0' + ms % 10), 'Z'};
  out.append(millis, sizeof millis);
}

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    // The common case: a run of printable ASCII other than '"' and '\\', copied at once.
    std::size_t run = i;
    while (run < s.size()) {
      const auto c = static_cast<unsigned char>(s[run]);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
      ++run;
    }
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = Utf8SequenceLength(s.substr(i));
      if (n == 0) {
        out.append("\\ufffd");
        ++i;
      } else {
        out.append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out.append(esc, sizeof esc);
      }
    }
    ++i;
  }
  out.push_back('"');
}

void AppendJsonHead(std::string& out, std::int64_t seconds, std::int64_t nanos,
                    std::string_view level, std::string_view logger, std::string_view message) {
  out.append("{\"time\":\"");
  AppendUtcTimestamp(out, seconds, nanos);
  out.append("\",\"level\":");
  AppendJsonString(out, level);
  out.append(",\"logger\":");
  AppendJsonString(out, logger);
  out.append(",\"message\":");
  AppendJsonString(out, message);
}

void JsonFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  thread_local std::string line;  // its capacity is reused
  line.clear();
  const auto since_epoch = msg.time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds);
  const auto level = spdlog::level::to_string_view(msg.level);
  AppendJsonHead(line, seconds.count(), nanos.count(), std::string_view(level.data(), level.size()),
                 std::string_view(msg.logger_name.data(), msg.logger_name.size()),
                 std::string_view(msg.payload.data(), msg.payload.size()));
  line.append("}\n");
  dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> JsonFormatter::clone() const {
  return std::make_unique<JsonFormatter>();
}

}  // namespace jwtd::http
