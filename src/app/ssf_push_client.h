// One push delivery of a SET (RFC 8935 §2): POST the compact JWS to the receiver's endpoint as
// application/secevent+jwt and read the answer, all within one deadline (connect, TLS, send,
// answer), so a slow or dead receiver costs its own stream that long and no more. https
// endpoints are verified against the system's trust store and the URL's host name.
// Thread-safety: PushSet may run on many threads at once (each call has its own I/O context).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace jwtd::app {

enum class PushOutcome {
  kAccepted,  // 202: the receiver has the SET
  kRejected,  // 400: the receiver refused this SET (RFC 8935 §2.3); sending it again won't help
  kFailed,    // anything else (connection, timeout, 5xx, another status): try again later
};

struct PushResult {
  PushOutcome outcome = PushOutcome::kFailed;
  int status = 0;     // the HTTP status, 0 when none was read
  std::string error;  // why, for the operator (a status or a socket error; never the SET)
};

PushResult PushSet(const std::string& endpoint_url, std::string_view set,
                   std::chrono::milliseconds timeout);

}  // namespace jwtd::app
