// Fuzzes HTTP request handling end to end from raw bytes: the input is what a client writes on
// one keep-alive connection. It goes through the production path of src/http/exchange.h — the
// Beast request parser with the server's default header and body limits, read-error answers
// (400/413/431), the conversion to a Request, routing and every handler (cookies, the CSRF
// double-submit check, form and JSON bodies, Bearer authentication) — on a real TokenService
// over the in-memory store, a real key ring (ES256) and a fixed clock. Deferred jobs run
// inline, as the worker pool would run them. Up to kMaxRequests pipelined requests per input.
//
// Each input starts from a fresh store with user "alice" registered and logged in twice, once
// in body mode and once in cookie mode, through the same request path. Tokens are random, so
// inputs name them by placeholders, substituted after parsing into the target, header values
// and body: @AT@ @RT@ @SID@ (body session), @CAT@ @CRT@ @CSRF@ (cookie session), @ORT@ (the
// refresh token before the last rotation). A token response updates them, so a refresh, a
// replay of the old refresh token (reuse detection) and a logout chain within one input. A
// request header "X-Fuzz-Clock: <seconds>" moves the clock forward first (expiry paths).
//
// The input's length modulo 8 picks the server options (see World), so every mutation may flip
// them: introspection clients, a trusted proxy, static files from a web root.
//
// A request whose header fails the framing check (FramingError: request smuggling, Host) is
// answered 400 before its body is read and ends the input, as it ends the connection.
//
// Invariants (a violation traps): every status is 100..599 and never 5xx; error statuses carry
// a JSON {"error": string, "error_description": string}; the API's 200s are JSON and JSON
// bodies parse; 204 has no body;
// no header name or value holds CR, LF or NUL; no error body echoes a live token; the
// serialized response parses back with the same status; an issued access token authenticates;
// after a 2xx logout or logout-all with a Bearer token that token no longer authenticates; no
// file outside the web root (symlink included) and no dotfile is ever served.
#include <spdlog/spdlog.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/address_filter.h"
#include "http/connection.h"
#include "http/csrf.h"
#include "http/exchange.h"
#include "http/forwarded.h"
#include "jwtd/auth/key_ring.h"
#include "jwtd/clock.h"
#include "jwtd/jose/decode.h"
#include "jwtd/store/memory_store.h"

namespace {

namespace bhttp = boost::beast::http;
using jwtd::http::Request;
using jwtd::http::Response;
using jwtd::http::ServerCore;

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::size_t kMaxRequests = 8;
constexpr const char* kPeer = "127.0.0.1";
// HTTP_FUZZ_TRACE=1 prints each request line and its answer (to check what a seed reaches).
const bool kTrace = std::getenv("HTTP_FUZZ_TRACE") != nullptr;

void Require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "http_request_fuzz: invariant violated: %s\n", what);
  __builtin_trap();
}

// Files the static handler must never serve: outside the web root (also through a symlink) and
// a dotfile inside it.
constexpr const char* kOutsideFile = "outside.txt";
constexpr std::string_view kOutsideMarker = "OUTSIDE-THE-WEB-ROOT";
constexpr std::string_view kHiddenMarker = "HIDDEN-DOTFILE";

// The key ring is shared by every input (opening it generates a key pair and writes files).
struct Shared {
  jwtd::ManualClock clock{kNow};
  std::filesystem::path dir;
  std::string web;  // a web root with a page, a dotfile and a symlink out of the root
  std::unique_ptr<jwtd::auth::KeyRing> keys;

  Shared() {
    spdlog::set_level(spdlog::level::off);  // handlers log refusals; not what is fuzzed
    char templ[] = "/tmp/jwtd-http-fuzz.XXXXXX";
    Require(mkdtemp(templ) != nullptr, "mkdtemp");
    dir = templ;
    jwtd::auth::KeyRingOptions ko;
    ko.directory = (dir / "keys").string();
    ko.verify.issuer = "http://127.0.0.1:8080";
    ko.verify.audiences = {"jwtd"};
    ko.verify.typ = "at+jwt";
    auto ring = jwtd::auth::KeyRing::Open(ko, &clock);
    Require(ring.ok(), "key ring opens");
    keys = std::move(*ring);
    MakeWebRoot();
  }

  void MakeWebRoot() {
    namespace fs = std::filesystem;
    web = (dir / "web").string();
    fs::create_directories(dir / "web" / "sub");
    auto write = [](const fs::path& p, std::string_view text) {
      std::FILE* f = std::fopen(p.c_str(), "wb");
      Require(f != nullptr && std::fwrite(text.data(), 1, text.size(), f) == text.size(),
              "web root file written");
      std::fclose(f);
    };
    write(dir / "web" / "index.html", "<!doctype html><script src=app.js></script>");
    write(dir / "web" / "app.js", "fetch('/v1/lab')");
    write(dir / "web" / "sub" / "index.html", "sub");
    write(dir / "web" / ".hidden", kHiddenMarker);
    write(dir / kOutsideFile, kOutsideMarker);
    std::error_code ec;
    fs::create_symlink(dir / kOutsideFile, dir / "web" / "link.txt", ec);
    Require(!ec, "symlink");
  }
  ~Shared() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

Shared& GetShared() {
  static Shared shared;
  return shared;
}

using Vars = std::vector<std::pair<std::string, std::string>>;

// Every placeholder exists from the start (World), so pointers into `vars` stay valid.
std::string* Var(Vars& vars, std::string_view name) {
  for (auto& [k, v] : vars) {
    if (k == name) return &v;
  }
  Require(false, "known placeholder");
  return nullptr;
}

void Substitute(const Vars& vars, std::string& text) {
  if (text.find('@') == std::string::npos) return;
  for (const auto& [k, v] : vars) {
    for (std::size_t at = text.find(k); at != std::string::npos; at = text.find(k, at + v.size())) {
      text.replace(at, k.size(), v);
    }
  }
}

void Substitute(const Vars& vars, Request& r) {
  Substitute(vars, r.path);
  Substitute(vars, r.query);
  Substitute(vars, r.body);
  for (auto& h : r.headers) Substitute(vars, h.value);
}

// One input's server: a fresh store and token service behind a ServerCore, as in serve.
struct World {
  std::unique_ptr<jwtd::auth::Store> store = jwtd::store::NewMemoryStore();
  std::unique_ptr<jwtd::auth::TokenService> tokens;
  std::unique_ptr<ServerCore> core;
  jwtd::http::AddressFilter trusted;
  Vars vars = {{"@AT@", ""},  {"@RT@", ""},   {"@SID@", ""}, {"@CAT@", ""},
               {"@CRT@", ""}, {"@CSRF@", ""}, {"@ORT@", ""}};

  // mode bit 0: introspection clients configured; bit 1: a trusted proxy in front (127.0.0.1);
  // bit 2: static files served from the web root (and GET /v1/lab registered).
  explicit World(unsigned mode) {
    Shared& shared = GetShared();
    shared.clock.Set(kNow);
    jwtd::auth::AuthOptions auth;
    auth.password.ops_limit = 1;  // Argon2id at its minimum cost: HTTP is what is fuzzed
    auth.password.mem_limit_bytes = 8 * 1024;  // crypto_pwhash_MEMLIMIT_MIN
    auth.verified_cache_entries = 1024;        // allocated per input; the default is 100k
    auto service = jwtd::auth::TokenService::Create(
        auth, {store.get(), shared.keys.get(), &shared.clock, nullptr});
    if (!service.ok()) std::fprintf(stderr, "%s\n", service.error().message().c_str());
    Require(service.ok(), "token service");
    tokens = std::move(*service);
    jwtd::http::ServerOptions o;
    o.worker_threads = 1;  // the pool is not used: deferred jobs run inline
    o.csrf_key = std::string(jwtd::http::kCsrfKeyBytes, 'k');  // fixed: inputs replay the same
    if (mode & 1) o.introspection_clients = {{"rs", "rs-secret"}};
    if (mode & 2) o.trusted_proxies = {"127.0.0.1/32"};
    if (mode & 4) o.web_root = shared.web;
    auto allow = jwtd::http::AddressFilter::Create(o.metrics_allow);
    auto proxies = jwtd::http::AddressFilter::Create(o.trusted_proxies);
    Require(allow.ok() && proxies.ok(), "address filters");
    trusted = *proxies;
    core = std::make_unique<ServerCore>(
        std::move(o),
        jwtd::http::ServerDeps{tokens.get(), shared.keys.get(), store.get(), nullptr, &shared.clock,
                               nullptr},
        std::move(*allow), std::move(*proxies), nullptr);
  }
};

Response Exchange(World& w, Request& request) {
  std::size_t route = 0;
  jwtd::http::Outcome outcome = jwtd::http::RouteRequest(*w.core, request, route);
  if (outcome.deferred()) return jwtd::http::RunDeferred(outcome.job(), request.request_id);
  return std::move(outcome.response());
}

std::string CookieValue(const Response& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (!jwtd::http::EqualsIgnoreCaseAscii(h.name, "set-cookie")) continue;
    std::string_view v = h.value;
    if (v.size() > name.size() && v.starts_with(name) && v[name.size()] == '=') {
      v.remove_prefix(name.size() + 1);
      return std::string(v.substr(0, v.find(';')));
    }
  }
  return {};
}

std::string SidOf(std::string_view access_token) {
  auto parts = jwtd::jose::DecodeUnverified(access_token);
  if (!parts.ok()) return {};
  boost::system::error_code ec;
  auto v = boost::json::parse(parts->payload, ec);
  if (ec || !v.is_object()) return {};
  const auto* sid = v.as_object().if_contains("sid");
  return sid != nullptr && sid->is_string() ? std::string(sid->as_string()) : std::string();
}

// Records the tokens of a token response under the placeholders of its mode.
void Remember(World& w, const Response& r) {
  if (r.status != 200 || r.body.find("access_token") == std::string::npos) return;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object()) return;
  const auto& o = v.as_object();
  const auto* at = o.if_contains("access_token");
  if (at == nullptr) return;  // e.g. introspection's "token_type": "access_token"
  Require(at->is_string(), "access_token is a string");
  const auto* type = o.if_contains("token_type");
  Require(type != nullptr && type->is_string() && type->as_string() == "Bearer", "token_type");
  const std::string access(at->as_string());
  Require(w.tokens->Authenticate(access).ok(), "an issued access token authenticates");
  const std::string cookie_refresh = CookieValue(r, "__Host-jwtd_refresh");
  if (!cookie_refresh.empty()) {
    *Var(w.vars, "@CAT@") = access;
    *Var(w.vars, "@ORT@") = *Var(w.vars, "@CRT@");
    *Var(w.vars, "@CRT@") = cookie_refresh;
    *Var(w.vars, "@CSRF@") = CookieValue(r, "__Host-jwtd_csrf");
    return;
  }
  *Var(w.vars, "@AT@") = access;
  *Var(w.vars, "@SID@") = SidOf(access);
  if (const auto* rt = o.if_contains("refresh_token"); rt != nullptr && rt->is_string()) {
    *Var(w.vars, "@ORT@") = *Var(w.vars, "@RT@");
    *Var(w.vars, "@RT@") = std::string(rt->as_string());
  }
}

bool CleanHeaderText(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void CheckBody(const World& w, const Response& r) {
  if (r.status == 204) Require(r.body.empty(), "204 has no body");
  Require(r.body.find(kOutsideMarker) == std::string::npos, "no file outside the web root");
  Require(r.body.find(kHiddenMarker) == std::string::npos, "no dotfile");
  const bool json = r.content_type.starts_with("application/json");
  if (r.status >= 400) {
    Require(json, "an error is JSON");
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    Require(!ec && v.is_object(), "an error body is a JSON object");
    const auto* e = v.as_object().if_contains("error");
    const auto* d = v.as_object().if_contains("error_description");
    Require(e != nullptr && e->is_string() && d != nullptr && d->is_string(),
            "an error has error and error_description strings");
    for (const auto& [name, value] : w.vars) {
      if (name == "@SID@") continue;  // a session id is not a credential
      Require(value.empty() || r.body.find(value) == std::string::npos,
              "an error body never echoes a token");
    }
  } else if (json) {
    boost::system::error_code ec;
    (void)boost::json::parse(r.body, ec);
    Require(!ec, "a JSON body parses");
  }
}

// The response as written on the wire, parsed back as a client would.
void CheckWire(const Response& r, const std::string& request_id, bool head) {
  const std::string bytes = jwtd::http::SerializeResponse(r, request_id, head, false);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.skip(head);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(bytes), ec);
  Require(!ec && parser.is_done(), "the response serializes to one valid HTTP message");
  Require(parser.get().result_int() == static_cast<unsigned>(r.status), "status on the wire");
}

// api.md: the API answers JSON (bodies of /metrics and of RFC 7009 revocation excepted).
bool ApiSaysJson(const Request& request) {
  const std::string_view p = request.path;
  return p.starts_with("/v1/") || p == "/oauth/token" || p == "/oauth/introspect" ||
         p.starts_with("/.well-known/") || p == "/healthz" || p == "/readyz";
}

void CheckResponse(const World& w, const Response& r, const Request& request) {
  Require(r.status >= 100 && r.status <= 599, "a valid status code");
  Require(r.status < 500, "never a 5xx");
  Require(CleanHeaderText(r.content_type), "Content-Type without CR/LF/NUL");
  for (const auto& h : r.headers) {
    Require(!h.name.empty() && CleanHeaderText(h.name) && CleanHeaderText(h.value),
            "header without CR/LF/NUL");
  }
  CheckBody(w, r);
  if (r.status == 200 && ApiSaysJson(request)) {
    Require(r.content_type.starts_with("application/json"), "the API answers JSON");
  }
  CheckWire(r, request.request_id, request.method == "HEAD");
}

// RFC 7009-style promise of api.md: once logout or logout-all answered 2xx for a Bearer
// token, that token is refused (denylist and token-version strategies are on by default).
void CheckLoggedOut(const World& w, const Request& request, const Response& r) {
  if (r.status < 200 || r.status > 299 || request.method != "POST") return;
  if (request.path != "/v1/logout" && request.path != "/v1/logout-all") return;
  const auto auth = request.Header("authorization");
  if (!auth || request.HeaderCount("authorization") != 1) return;
  std::string_view token = jwtd::http::TrimOws(*auth);
  token.remove_prefix(std::min(token.size(), std::string_view("Bearer ").size()));
  Require(!w.tokens->Authenticate(jwtd::http::TrimOws(token)).ok(),
          "a logged-out access token is refused");
}

// A harness directive, not part of the API: "X-Fuzz-Clock: <seconds>" moves the fixed clock
// forward before the request, so inputs reach expired access and refresh tokens, idle sessions
// and the end of login-limit windows. The header stays in the request (an unknown header).
void AdvanceClock(const Request& request) {
  const auto value = request.Header("x-fuzz-clock");
  if (!value) return;
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), seconds);
  constexpr std::int64_t kMaxStep = 10LL * 365 * 86400;
  if (ec == std::errc() && seconds > 0 && seconds <= kMaxStep) GetShared().clock.Advance(seconds);
}

// Parses, substitutes, resolves the client as connection.cc does, and answers one request.
Response Serve(World& w, jwtd::http::BeastRequest& in, std::size_t n, Request* seen) {
  Request request = jwtd::http::ToRequest(in, kPeer, "fuzz-" + std::to_string(n));
  Substitute(w.vars, request);
  AdvanceClock(request);
  auto origin = jwtd::http::ResolveClient(w.trusted, kPeer, false, request);
  request.client_address = std::move(origin.address);
  request.secure = origin.secure;
  Response r = Exchange(w, request);
  *seen = std::move(request);
  return r;
}

// Runs one request from `fixture` text through the whole path (setup of every input).
Response Fixture(World& w, std::string_view text) {
  jwtd::http::RequestParser parser;
  jwtd::http::ApplyLimits(w.core->api.options, parser);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(text.data(), text.size()), ec);
  Require(!ec && parser.is_done(), "fixture request parses");
  jwtd::http::BeastRequest in = parser.release();
  Request seen;
  Response r = Serve(w, in, 0, &seen);
  Remember(w, r);
  return r;
}

std::string JsonPost(std::string_view target, std::string_view body) {
  return std::string("POST ") + std::string(target) +
         " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

void SetUp(World& w) {
  const std::string creds = R"("username":"alice","password":"correct horse battery")";
  Require(Fixture(w, JsonPost("/v1/users", "{" + creds + "}")).status == 201, "register");
  Require(Fixture(w, JsonPost("/v1/login", "{" + creds + R"(,"cookie":true})")).status == 200,
          "cookie login");
  Require(Fixture(w, JsonPost("/v1/login", "{" + creds + "}")).status == 200, "body login");
}

// Feeds `rest` to `parser` as a connection reads: the bytes arrive, then the client closes (end
// of stream). Not eager, so a put returns once the header is parsed and the framing check runs
// there, before the body, as in connection.cc. Returns the check's refusal (nothing more is
// read); `ec` is the read error, if any.
std::optional<Response> ReadRequest(jwtd::http::RequestParser& parser, std::string_view& rest,
                                    boost::beast::error_code& ec) {
  while (!ec && !parser.is_done() && !rest.empty()) {
    const bool had_header = parser.is_header_done();
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    if (ec == bhttp::error::need_more) ec = {};
    if (!ec && !had_header && parser.is_header_done()) {
      if (auto refused = jwtd::http::FramingError(parser.get())) return refused;
    }
    if (used == 0 && !ec && !parser.is_done()) break;
  }
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World w(static_cast<unsigned>(size % 8));
  SetUp(w);
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (std::size_t n = 1; n <= kMaxRequests && !rest.empty(); ++n) {
    jwtd::http::RequestParser parser;
    jwtd::http::ApplyLimits(w.core->api.options, parser);
    boost::beast::error_code ec;
    std::optional<Response> refused = ReadRequest(parser, rest, ec);
    if (refused) {
      if (kTrace) std::fprintf(stderr, "framing refused -> %d\n", refused->status);
      Require(refused->status == 400, "a framing error is a 400");
      CheckResponse(w, *refused, Request{});
      break;  // the connection closes after a framing error
    }
    if (ec) {
      auto answer = jwtd::http::ReadErrorResponse(ec);
      if (kTrace)
        std::fprintf(stderr, "read error %s -> %d\n", ec.message().c_str(),
                     answer ? answer->status : 0);
      if (answer) CheckResponse(w, *answer, Request{});
      break;  // the connection closes after a read error
    }
    jwtd::http::BeastRequest in = parser.release();
    const bool keep_alive = in.keep_alive();
    Request request;
    Response r = Serve(w, in, n, &request);
    if (kTrace)
      std::fprintf(stderr, "%s %s -> %d %s\n", request.method.c_str(), request.path.c_str(),
                   r.status, r.body.substr(0, 120).c_str());
    CheckResponse(w, r, request);
    CheckLoggedOut(w, request, r);
    Remember(w, r);
    if (!keep_alive || r.close) break;
  }
  return 0;
}
