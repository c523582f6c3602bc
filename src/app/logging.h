// Process-wide logging: spdlog to stderr, one line per event. log.format "text": key=value
// fields after the message; "json": one JSON object per line (http/log_line.h).
// Nothing logged anywhere in jwtd may contain a token, password, cookie or key material.
#pragma once

#include <string>

#include "http/log_line.h"
#include "jwtd/result.h"

namespace jwtd::app {

// "text" or "json"; kInvalidArgument for anything else.
Result<http::LogFormat> ParseLogFormat(const std::string& format);

// kInvalidArgument for an unknown level or format name.
Result<void> SetupLogging(const std::string& level, const std::string& format);

}  // namespace jwtd::app
