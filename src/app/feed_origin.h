// Where a verifier that follows another node (verifier.feed_url) connects, and the HTTP Basic
// credentials it presents (verifier.feed_client): parsed once, when the configuration is read
// (app/config.cc) and when the follower starts (app/feed_http.h).
// Thread-safety: plain values and a pure function.
#pragma once

#include <string>

#include "jwtd/result.h"

namespace jwtd::app {

struct FeedOrigin {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;
  std::string base;           // the URL's path without its trailing '/' ("" for the root)
  std::string authorization;  // "Basic ..." of verifier.feed_client; never logged

  std::string HostHeader() const;
};

// "https://issuer.example/" (or http://) and "id:secret" -> the origin. kInvalidArgument for
// anything else (a query or fragment in the URL included).
Result<FeedOrigin> ParseFeedOrigin(const std::string& url, const std::string& client);

}  // namespace jwtd::app
