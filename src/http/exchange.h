// One HTTP exchange without a socket: the parser limits of a connection, the conversion of a
// parsed Beast request into a Request, routing and the handler call, and the Beast response of
// a Response's bytes. connection.cc runs these on a socket; fuzz/http_request_fuzz.cc runs the same
// functions on raw bytes, so the fuzzer exercises the production request path, not a copy.
//
// Internal to jwtd_http (includes Beast). Thread-safety: as the ServerCore they are given.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "http/connection.h"

namespace jwtd::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Sets the server's header and body limits on a fresh parser.
void ApplyLimits(const ServerOptions& options, RequestParser& parser);

// The answer to a read error that is the client's fault (413, 431, 400; RFC 9110 §15.5), or
// nullopt when the connection should just close (end of stream, timeout, reset).
std::optional<Response> ReadErrorResponse(const boost::beast::error_code& ec);

// The 400 for a request header whose framing a proxy in front of us could read differently
// (request smuggling, RFC 9112 §6.1, §6.3, §11.2) or that lacks its one Host field (§3.2);
// nullopt when the header is sound. Run on the header as soon as it is parsed, before any byte
// of the body is read; the connection closes after the answer, since where this request ends is
// exactly what is in doubt. Pure; it adds only what Beast 1.81's parser leaves through (see
// exchange.cc).
std::optional<Response> FramingError(const boost::beast::http::request_header<>& header);

// The transport-neutral Request of a parsed message (header names lower-cased). The request id
// is the client's X-Request-Id when sane, else `generated_id`.
Request ToRequest(BeastRequest& in, std::string client_address, std::string generated_id);

// Routes `request` and runs its handler (or the unrouted handler). `route` is set to the
// metrics index of the matched route ("other" when none). A handler that throws gives a logged
// 500: no exception leaves the request path (style.md).
Outcome RouteRequest(ServerCore& core, Request& request, std::size_t& route);

// Runs a deferred handler job; an exception gives a logged 500.
Response RunDeferred(const Deferred& job, std::string_view request_id);

// The bytes of `response` on the wire (HTTP/1.1): status line, Content-Type, nosniff,
// X-Request-Id, the handler's headers (any with CR, LF or NUL dropped), Connection: close when
// `close`, Content-Length (the body's, also for HEAD; none on 1xx/204) and the body (none for
// HEAD). Written as one buffer: Beast's serializer walks a buffer sequence per field, which cost
// ~10 % of a GET /v1/me in the profile (docs/benchmarks.md).
std::string SerializeResponse(Response response, std::string_view request_id, bool head,
                              bool close);
// The head of a streamed response (stream.h): as above, but framed by chunked transfer coding
// (Transfer-Encoding: chunked, no Content-Length); the body follows in StreamChannel's chunks.
std::string SerializeStreamHead(const Response& head, std::string_view request_id);

}  // namespace jwtd::http
