// `jwtd serve`: opens the runtime, starts the HTTP(S) server and the maintenance loop, prints
// where it listens, and runs until SIGTERM or SIGINT, then finishes in-flight requests and exits.
// SIGHUP re-reads tls.cert_file and tls.key_file (new connections use them; a bad file is logged
// and the current certificate stays).
#pragma once

#include "app/config.h"

namespace jwtd::app {

// Blocks SIGINT, SIGTERM, SIGHUP (and SIGUSR1) in the calling thread, so every thread started
// after it inherits the mask and the signals reach only Serve's waiter. Call before anything starts
// a thread (the logger's flusher included).
void BlockStopSignals();

// Returns the process exit code: 0 after a graceful stop, 1 when it could not start.
int Serve(const Config& config);

}  // namespace jwtd::app
