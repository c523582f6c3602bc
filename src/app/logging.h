// Process-wide logging: spdlog to stderr, one line per event, key=value fields after the message.
// Nothing logged anywhere in jwtd may contain a token, password, cookie or key material.
#pragma once

#include <string>

#include "jwtd/result.h"

namespace jwtd::app {

// kInvalidArgument for an unknown level name.
Result<void> SetupLogging(const std::string& level);

}  // namespace jwtd::app
