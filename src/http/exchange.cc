#include "http/exchange.h"

#include <spdlog/spdlog.h>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <cctype>
#include <exception>
#include <iterator>

#include "http/error_mapping.h"

namespace jwtd::http {
namespace {

namespace bhttp = boost::beast::http;

constexpr std::size_t kMaxRequestId = 64;

bool SaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestId) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

void ApplyLimits(const ServerOptions& options, RequestParser& parser) {
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  parser.body_limit(options.max_body_bytes);
}

std::optional<Response> ReadErrorResponse(const boost::beast::error_code& ec) {
  if (ec == bhttp::error::body_limit) {
    return JsonError(413, "request_too_large", "request body too large");
  }
  if (ec == bhttp::error::header_limit) {
    return JsonError(431, "headers_too_large", "request header fields too large");
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
    return JsonError(400, "invalid_request", "malformed HTTP request");
  }
  return std::nullopt;
}

Request ToRequest(BeastRequest& in, std::string client_address, std::string generated_id) {
  Request r;
  r.method = std::string(in.method_string());
  const std::string_view target = in.target();
  const auto q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
  r.headers.reserve(std::distance(in.begin(), in.end()));
  for (const auto& field : in) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.push_back({std::move(name), std::string(field.value())});
  }
  r.body = std::move(in.body());
  r.client_address = std::move(client_address);
  const auto given = r.Header("x-request-id");
  r.request_id = given && SaneRequestId(*given) ? std::string(*given) : std::move(generated_id);
  return r;
}

Outcome RouteRequest(ServerCore& core, Request& request, std::size_t& route) {
  route = core.metrics.RouteIndex("other");
  try {
    if (request.path.empty() || request.path.front() != '/') {
      return JsonError(400, "invalid_request", "request target must be an absolute path");
    }
    Match match = core.router.Find(request.method, request.path);
    if (match.route != nullptr) route = core.metrics.RouteIndex(match.route->pattern);
    request.path_params = std::move(match.params);
    return match.route != nullptr ? match.route->handler(request)
                                  : HandleUnrouted(core.api, request, match);
  } catch (const std::exception& e) {
    // The top of the request: no exception may escape into the I/O loop (style.md).
    spdlog::error("request id={} handler failed: {}", request.request_id, e.what());
    return JsonError(500, "server_error", "internal error");
  }
}

Response RunDeferred(const Deferred& job, std::string_view request_id) {
  try {
    return job();
  } catch (const std::exception& e) {
    spdlog::error("request id={} job failed: {}", request_id, e.what());
    return JsonError(500, "server_error", "internal error");
  }
}

BeastResponse ToBeastResponse(Response response, std::string_view request_id, bool head,
                              bool close) {
  BeastResponse out;
  out.result(static_cast<unsigned>(response.status));
  out.version(11);
  if (!response.content_type.empty()) out.set(bhttp::field::content_type, response.content_type);
  out.set("X-Content-Type-Options", "nosniff");
  out.set("X-Request-Id", request_id);
  for (auto& h : response.headers) out.insert(h.name, h.value);
  const std::size_t length = response.body.size();
  if (!head) out.body() = std::move(response.body);
  out.keep_alive(!close);
  out.content_length(length);
  return out;
}

}  // namespace jwtd::http
