#include "app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "http/access_log.h"
#include "http/log_line.h"

namespace jwtd::app {

Result<http::LogFormat> ParseLogFormat(const std::string& format) {
  if (format == "text") return http::LogFormat::kText;
  if (format == "json") return http::LogFormat::kJson;
  return Error(Code::kInvalidArgument, Reason::kBadRequest,
               "log.format: unknown format \"" + format + "\" (text or json)");
}

Result<void> SetupLogging(const std::string& level, const std::string& format) {
  spdlog::level::level_enum parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "log.level: unknown level \"" + level + "\" (trace, debug, info, warn, error)");
  }
  auto layout = ParseLogFormat(format);
  if (!layout.ok()) return layout.error();
  auto logger = spdlog::stderr_logger_mt("jwtd");
  if (*layout == http::LogFormat::kJson) {
    logger->set_formatter(std::make_unique<http::JsonFormatter>());
  } else {
    // One layout for both logs.
    logger->set_pattern(http::kAccessPattern, spdlog::pattern_time_type::utc);
  }
  logger->set_level(parsed);
  spdlog::set_default_logger(logger);
  // One line per request: buffered and written in batches off the request thread, dropped
  // rather than blocking a request if stderr's reader stalls (http/access_log.h).
  if (!spdlog::get("access")) spdlog::register_logger(http::MakeAccessLogger(*layout, parsed));
  spdlog::flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));
  return Ok();
}

}  // namespace jwtd::app
