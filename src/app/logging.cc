#include "app/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "http/access_log.h"

namespace jwtd::app {

Result<void> SetupLogging(const std::string& level) {
  spdlog::level::level_enum parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "log.level: unknown level \"" + level + "\" (trace, debug, info, warn, error)");
  }
  constexpr const char* kPattern = http::kAccessPattern;  // one layout for both logs
  auto logger = spdlog::stderr_logger_mt("jwtd");
  logger->set_pattern(kPattern, spdlog::pattern_time_type::utc);
  logger->set_level(parsed);
  spdlog::set_default_logger(logger);
  // One line per request: buffered and written in batches off the request thread, dropped
  // rather than blocking a request if stderr's reader stalls (http/access_log.h).
  if (!spdlog::get("access")) spdlog::register_logger(http::MakeAccessLogger(kPattern, parsed));
  spdlog::flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));
  return Ok();
}

}  // namespace jwtd::app
