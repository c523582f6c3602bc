// jwtd::http::Router — maps (method, path) to a handler. Patterns are literal paths whose
// segments may be "{name}" placeholders matching one non-empty segment ("/v1/sessions/{id}").
// The last segment may be a tail "{name...}": it matches the rest of the path, one or more
// segments, empty ones included, and captures it with its leading '/' ("/v1/authz/{path...}"
// matches "/v1/authz/" as "/" and "/v1/authz/a//b" as "/a//b", never "/v1/authz" itself); the
// segments are compared as received, percent-encoding and ".." included (no normalisation), so
// "/v1/authz/../login" is a check, and "/v1/me/../authz/x" matches nothing.
// Unknown paths answer 404, known paths with another method 405 with an Allow header.
//
// A handler returns an Outcome: a Response at once (verify-only work, run on the I/O thread), a
// Deferred job that may block (store, Argon2id) and runs on the worker pool, or a stream: a head
// at once and a StreamSource that writes the body for as long as it lasts (stream.h).
//
// Find() allocates only for what it returns (captured parameters, the Allow list of a 405): it
// runs on every request.
//
// Thread-safety: build the router once, then Find() concurrently (read-only).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request.h"
#include "http/stream.h"

namespace jwtd::http {

using Deferred = std::function<Response()>;

class Outcome {
 public:
  Outcome(Response response) : response_(std::move(response)) {}  // NOLINT implicit
  static Outcome Later(Deferred job) {
    Outcome o;
    o.deferred_ = std::move(job);
    return o;
  }
  // `head`: status, content type and headers (its body is not sent); the body is `source`'s.
  static Outcome Stream(Response head, std::shared_ptr<StreamSource> source) {
    Outcome o(std::move(head));
    o.stream_ = std::move(source);
    return o;
  }
  bool deferred() const { return static_cast<bool>(deferred_); }
  bool streaming() const { return stream_ != nullptr; }
  // The response, or the head of a stream.
  Response& response() { return *response_; }
  Deferred& job() { return deferred_; }
  std::shared_ptr<StreamSource>& stream() { return stream_; }

 private:
  Outcome() = default;
  std::optional<Response> response_;
  Deferred deferred_;
  std::shared_ptr<StreamSource> stream_;
};

using Handler = std::function<Outcome(const Request&)>;

struct Route {
  std::string method;
  std::string pattern;  // also the metrics label
  Handler handler;
  std::vector<std::string> segments;  // the pattern split once by Add ("{id}" kept as written)
  bool tail = false;                  // the last segment is "{name...}"
};

struct Match {
  const Route* route = nullptr;  // null: see status
  int status = 404;              // 404 unknown path, 405 wrong method (allow lists methods)
  std::string allow;
  std::vector<std::pair<std::string, std::string>> params;
};

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  Match Find(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  std::size_t max_segments_ = 0;  // of any pattern without a tail: a longer path matches none
  bool has_tail_ = false;         // some pattern ends in a tail
};

// Splits a path into its segments ("/a/b" -> {"a","b"}); "" and "/" give none.
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace jwtd::http
