#include "http/exchange.h"

#include <spdlog/spdlog.h>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <exception>
#include <iterator>

#include "http/error_mapping.h"

namespace jwtd::http {
namespace {

namespace bhttp = boost::beast::http;

constexpr std::size_t kMaxRequestId = 64;

constexpr std::string_view kBadTransferEncoding =
    "unsupported Transfer-Encoding (only a single \"chunked\" coding, never with Content-Length)";

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
  // Beast's framing refusals (see FramingError), named so a client can tell what to fix.
  if (ec == bhttp::error::bad_transfer_encoding) {
    return JsonError(400, "invalid_request", kBadTransferEncoding);
  }
  if (ec == bhttp::error::bad_content_length) {
    return JsonError(400, "invalid_request",
                     "invalid Content-Length (one decimal length, never with Transfer-Encoding)");
  }
  if (ec == bhttp::error::multiple_content_length) {
    return JsonError(400, "invalid_request", "conflicting Content-Length values");
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
    return JsonError(400, "invalid_request", "malformed HTTP request");
  }
  return std::nullopt;
}

// What Beast 1.81 (basic_parser.ipp, do_field and finish_header) refuses itself, as read errors
// (ReadErrorResponse): a Content-Length after "chunked", a Transfer-Encoding after a
// Content-Length, a second Transfer-Encoding field after one ending in "chunked", and
// Content-Length values that disagree. What it lets through, and this adds:
//  - codings other than the one "chunked": Beast frames the body as chunked only when "chunked"
//    is the last coding and otherwise reads no body at all (even with a Content-Length, which
//    then frames it), while a proxy may apply "chunked, identity" or decode "gzip, chunked".
//    RFC 9112 §6.1 lets a server refuse codings it does not understand; the only coding jwtd
//    understands is "chunked", so anything else is refused. This also covers Transfer-Encoding
//    with Content-Length whenever Beast has not refused it (§6.3 rule 3: the length must not be
//    trusted);
//  - Transfer-Encoding in HTTP/1.0 (§6.1: the framing is faulty, even with a Content-Length);
//  - an HTTP/1.1 request without a Host field or with more than one (§3.2).
// Strict on purpose: a coding list other than exactly one non-empty "chunked" element (OWS
// around it, any case) is refused, empty list elements included, so that whatever is accepted
// is also what Beast frames as chunked.
std::optional<Response> FramingError(const bhttp::request_header<>& header) {
  bool transfer_encoding = false;
  std::size_t codings = 0;
  bool only_chunked = true;
  const auto [first, last] = header.equal_range(bhttp::field::transfer_encoding);
  for (auto field = first; field != last; ++field) {
    transfer_encoding = true;
    std::string_view rest = field->value();
    while (true) {
      const auto comma = rest.find(',');
      ++codings;
      if (!EqualsIgnoreCaseAscii(TrimOws(rest.substr(0, comma)), "chunked")) only_chunked = false;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  const bool http11 = header.version() >= 11;
  if (transfer_encoding && !http11) {
    return JsonError(400, "invalid_request", "Transfer-Encoding in an HTTP/1.0 request");
  }
  if (transfer_encoding && (codings != 1 || !only_chunked)) {
    return JsonError(400, "invalid_request", kBadTransferEncoding);
  }
  if (http11) {
    const std::size_t hosts = header.count(bhttp::field::host);
    if (hosts == 0) return JsonError(400, "invalid_request", "missing Host header");
    if (hosts > 1) return JsonError(400, "invalid_request", "more than one Host header");
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
    for (char& c : name) c = ToLowerAscii(c);
    r.headers.push_back({std::move(name), std::string(field.value())});
  }
  r.body = std::move(in.body());
  r.client_address = std::move(client_address);
  const auto given = r.Header("x-request-id");
  r.request_id = given && SaneRequestId(*given) ? std::string(*given) : std::move(generated_id);
  return r;
}

namespace {

// The handler's outcome, released only once `check` (Request::deferred_check) passed: on the
// worker pool, since the check may block. The handler itself did nothing that needs undoing: its
// writes are in its deferred job, which runs here after the check.
Outcome BehindCheck(std::function<std::optional<Response>()> check, Outcome outcome,
                    std::string_view request_id) {
  if (outcome.streaming()) {
    // No streaming endpoint takes a DPoP-bound token; refusing beats streaming unchecked.
    spdlog::error("request id={} a stream behind a deferred check", request_id);
    return JsonError(500, "server_error", "internal error");
  }
  return Outcome::Later([check = std::move(check), outcome = std::move(outcome)]() mutable {
    if (auto refused = check()) return std::move(*refused);
    if (outcome.deferred()) return outcome.job()();
    return std::move(outcome.response());
  });
}

}  // namespace

Outcome RouteRequest(ServerCore& core, Request& request, std::size_t& route) {
  route = core.metrics.OtherRoute();
  try {
    if (request.path.empty() || request.path.front() != '/') {
      return JsonError(400, "invalid_request", "request target must be an absolute path");
    }
    Match match = core.router.Find(request.method, request.path);
    if (match.route != nullptr) {
      route =
          core.route_metrics[static_cast<std::size_t>(match.route - core.router.routes().data())];
    }
    request.path_params = std::move(match.params);
    Outcome outcome = match.route != nullptr ? match.route->handler(request)
                                             : HandleUnrouted(core.api, request, match);
    if (!request.deferred_check) return outcome;
    return BehindCheck(std::move(request.deferred_check), std::move(outcome), request.request_id);
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

namespace {

// A header the handlers set is ours, but a CR or LF in it would split the response (RFC 9112
// §2.2 forbids them in field values): such a field is dropped, never written.
bool SafeField(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c == '\r' || c == '\n' || c == ':' || c == ' ' || c == '\t' || c == '\0') return false;
  }
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

// The status line and every field but the framing ones; `extra` bytes are reserved for them.
std::string HeadWithoutFraming(const Response& response, std::string_view request_id,
                               std::size_t extra) {
  const auto status = static_cast<unsigned>(response.status);
  const std::string_view reason = bhttp::obsolete_reason(bhttp::int_to_status(status));
  std::size_t size = 64 + reason.size() + request_id.size() + response.content_type.size() + extra;
  for (const auto& h : response.headers) size += h.name.size() + h.value.size() + 4;

  std::string out;
  out.reserve(size);
  out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(reason).append("\r\n");
  if (!response.content_type.empty()) AppendField(out, "Content-Type", response.content_type);
  AppendField(out, "X-Content-Type-Options", "nosniff");
  // The request id is the client's only when SaneRequestId accepted it, else ours.
  AppendField(out, "X-Request-Id", request_id);
  for (const auto& h : response.headers) {
    if (SafeField(h.name, h.value)) {
      AppendField(out, h.name, h.value);
    } else {
      spdlog::error("request id={} dropped a response header with a control character", request_id);
    }
  }
  return out;
}

}  // namespace

std::string SerializeResponse(Response response, std::string_view request_id, bool head,
                              bool close) {
  const std::string length = std::to_string(response.body.size());
  std::string out = HeadWithoutFraming(response, request_id,
                                       length.size() + (head ? 0 : response.body.size()) + 40);
  if (close) AppendField(out, "Connection", "close");
  // RFC 9110 §8.6: never a Content-Length on a 1xx or 204.
  if (response.status >= 200 && response.status != 204) AppendField(out, "Content-Length", length);
  out.append("\r\n");
  if (!head) out.append(response.body);
  return out;
}

std::string SerializeStreamHead(const Response& head, std::string_view request_id) {
  std::string out = HeadWithoutFraming(head, request_id, 32);
  AppendField(out, "Transfer-Encoding", "chunked");
  out.append("\r\n");
  return out;
}

}  // namespace jwtd::http
