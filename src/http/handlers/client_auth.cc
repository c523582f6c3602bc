// Client authentication of /oauth/revoke (RFC 7009 §2.1) and /oauth/introspect (RFC 7662 §2.1):
// HTTP Basic (RFC 6749 §2.3.1, id and secret form-urlencoded before base64) or the
// client_id/client_secret body fields; never both (RFC 6749 §2.3: one method per request).
#include <fmt/format.h>

#include <boost/url/encoding_opts.hpp>
#include <boost/url/pct_string_view.hpp>

#include "http/error_mapping.h"
#include "http/handlers/handlers.h"
#include "jwtd/compare.h"

namespace jwtd::http {
namespace {

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::optional<std::string> FormDecode(std::string_view s) {
  auto pct = boost::urls::make_pct_string_view(s);
  if (!pct) return std::nullopt;
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  return pct->decode(opts);
}

struct Credentials {
  std::string id, secret;
};

// Checks every configured client without an early exit, so timing does not tell which id exists.
bool Known(const std::vector<ClientCredential>& clients, const Credentials& c) {
  bool ok = false;
  for (const auto& client : clients) {
    const bool id = ConstantTimeEquals(client.id, c.id);
    const bool secret = ConstantTimeEquals(client.secret, c.secret);
    ok = ok || (id && secret);
  }
  return ok;
}

std::optional<Credentials> FromBasic(std::string_view header) {
  header = TrimOws(header);
  const auto space = header.find(' ');
  if (space == std::string_view::npos || !EqualsIgnoreCaseAscii(header.substr(0, space), "Basic")) {
    return std::nullopt;
  }
  auto decoded = DecodeBase64(TrimOws(header.substr(space + 1)));
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  auto id = FormDecode(std::string_view(*decoded).substr(0, colon));
  auto secret = FormDecode(std::string_view(*decoded).substr(colon + 1));
  if (!id || !secret) return std::nullopt;
  return Credentials{std::move(*id), std::move(*secret)};
}

}  // namespace

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = text[i + static_cast<std::size_t>(j)];
      const bool last_group = i + 4 == text.size();
      if (c == '=' && last_group && j >= 2 && (j == 3 || text[i + 3] == '=')) {
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[j] = Base64Value(c);
      if (v[j] < 0) return std::nullopt;
    }
    const unsigned n = (static_cast<unsigned>(v[0]) << 18) | (static_cast<unsigned>(v[1]) << 12) |
                       (static_cast<unsigned>(v[2]) << 6) | static_cast<unsigned>(v[3]);
    out.push_back(static_cast<char>((n >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

std::optional<Response> CheckClient(const Api& api, const Request& request,
                                    const BodyFields& body) {
  if (api.options.introspection_clients.empty()) return std::nullopt;
  auto id = body.String("client_id");
  auto secret = body.String("client_secret");
  if (!id.ok()) return BadInput(id.error());
  if (!secret.ok()) return BadInput(secret.error());
  const bool in_body = id->has_value();
  const std::size_t headers = request.HeaderCount("authorization");
  if (headers > 1 || (headers == 1 && in_body)) {
    return JsonError(400, "invalid_request", "use exactly one client authentication method");
  }
  std::optional<Credentials> creds;
  if (headers == 1) {
    creds = FromBasic(*request.Header("authorization"));
  } else if (in_body) {
    creds = Credentials{**id, secret->value_or("")};
  }
  if (!creds || !Known(api.options.introspection_clients, *creds)) return InvalidClient();
  return std::nullopt;
}

namespace {

// HTTP Basic against `clients`, from an address `allow` admits. No anonymous access, even with
// no client configured (then nobody gets in).
std::variant<std::string, Response> CheckBasicClient(const Request& request,
                                                     const std::vector<ClientCredential>& clients,
                                                     const AddressFilter& allow,
                                                     std::string_view area,
                                                     std::string_view client_kind) {
  if (!allow.Allows(request.client_address)) {
    return JsonError(403, "forbidden", fmt::format("{} is not available to this address", area));
  }
  const std::size_t headers = request.HeaderCount("authorization");
  std::optional<Credentials> creds;
  if (headers == 1) creds = FromBasic(*request.Header("authorization"));
  if (headers > 1) return JsonError(400, "invalid_request", "repeated Authorization header");
  if (!creds || !Known(clients, *creds)) {
    Response r = JsonError(401, "invalid_client",
                           fmt::format("{} client authentication failed", client_kind));
    r.With("WWW-Authenticate", fmt::format("Basic realm=\"jwtd-{}\"", client_kind));
    return r;
  }
  return std::move(creds->id);
}

}  // namespace

std::variant<std::string, Response> CheckFeedClient(const Api& api, const Request& request) {
  return CheckBasicClient(request, api.options.feed_clients, api.feed_allow, "the revocation feed",
                          "feed");
}

std::variant<std::string, Response> CheckAdminClient(const Api& api, const Request& request) {
  return CheckBasicClient(request, api.options.admin_clients, api.admin_allow, "the admin API",
                          "admin");
}

auth::TokenHint ParseHint(std::string_view hint) {
  // RFC 7009 §2.1 / RFC 7662 §2.1: an unknown hint is ignored; the server searches all types.
  if (hint == "access_token") return auth::TokenHint::kAccessToken;
  if (hint == "refresh_token") return auth::TokenHint::kRefreshToken;
  return auth::TokenHint::kNone;
}

}  // namespace jwtd::http
