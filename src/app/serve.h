// `jwtd serve`: opens the runtime, starts the HTTP server and the maintenance loop, prints where
// it listens, and runs until SIGTERM or SIGINT, then finishes in-flight requests and exits.
#pragma once

#include "app/config.h"

namespace jwtd::app {

// Returns the process exit code: 0 after a graceful stop, 1 when it could not start.
int Serve(const Config& config);

}  // namespace jwtd::app
