// DPoP proof verification (RFC 9449 §4.3), in the order of dpop.h, ending in one funnel (Fail).
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <limits>
#include <memory>

#include "json_sax.h"
#include "jws_crypto.h"
#include "jws_parse.h"
#include "jwtd/compare.h"
#include "jwtd/jose/base64url.h"
#include "jwtd/jose/dpop.h"
#include "key_impl.h"

namespace jwtd::jose {
namespace {

namespace bj = boost::json;

Error Fail(Reason r, std::string msg) { return Error(Code::kUnauthenticated, r, std::move(msg)); }

// A JSON object text parsed strictly (duplicate members and bad UTF-8 refused first, as for
// every JOSE header, RFC 7515 §4), then as a DOM: proofs are small and their header holds a
// nested object (jwk) that the flat parsers do not deliver.
std::optional<bj::object> StrictObject(std::string_view text) {
  json::AnySink sink;
  if (json::ParseObject(text, sink) != Reason::kNone) return std::nullopt;
  bj::error_code ec;
  bj::value v = bj::parse(bj::string_view(text.data(), text.size()), ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

const bj::string* StringAt(const bj::object& o, std::string_view name) {
  const bj::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

std::string_view View(const bj::string& s) { return {s.data(), s.size()}; }

// The key a proof header names, once checked: the header's exact base64url text is the cache
// key (a client repeats it byte for byte in every proof), so a warm proof skips the JWK import,
// its point check and the thumbprint.
struct ProofKey {
  std::string header_b64;
  std::shared_ptr<const Key> key;  // public, kid = RFC 7638 thumbprint
};

// Members that only a private or symmetric JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037
// §2): a proof's jwk must be a public key (RFC 9449 §4.3 step 7).
constexpr std::string_view kPrivateMembers[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

// RFC 9449 §4.3 steps 3-7 on the decoded header.
Result<std::shared_ptr<const Key>> KeyFromHeader(std::string_view header_json,
                                                 const DpopOptions& options) {
  std::optional<bj::object> h = StrictObject(header_json);
  if (!h) return Fail(Reason::kDpopInvalid, "proof header is not a strict JSON object");
  // RFC 9449 §4.2: typ dpop+jwt, compared like every typ (RFC 7515 §4.1.9).
  const bj::string* typ = StringAt(*h, "typ");
  std::string_view t = typ != nullptr ? View(*typ) : std::string_view();
  if (t.size() > 12 && EqualsIgnoreCaseAscii(t.substr(0, 12), "application/")) t.remove_prefix(12);
  if (!EqualsIgnoreCaseAscii(t, "dpop+jwt")) return Fail(Reason::kDpopInvalid, "typ not dpop+jwt");
  if (h->contains("crit")) return Fail(Reason::kDpopInvalid, "crit in proof header");
  const bj::string* alg_name = StringAt(*h, "alg");
  std::optional<Alg> alg = alg_name != nullptr ? ParseAlg(View(*alg_name)) : std::nullopt;
  // RFC 9449 §4.3 step 5: an asymmetric alg the server accepts; never none or a MAC.
  if (!alg || IsSymmetric(*alg) ||
      std::find(options.algs.begin(), options.algs.end(), *alg) == options.algs.end()) {
    return Fail(Reason::kDpopInvalid, "proof alg not allowed");
  }
  const bj::value* jwk_value = h->if_contains("jwk");
  if (jwk_value == nullptr || !jwk_value->is_object()) {
    return Fail(Reason::kDpopInvalid, "proof header has no jwk object");
  }
  bj::object jwk = jwk_value->get_object();
  for (std::string_view m : kPrivateMembers) {
    if (jwk.contains(m)) return Fail(Reason::kDpopInvalid, "proof jwk has private members");
  }
  // Without its kid the imported key's kid is its RFC 7638 thumbprint: computed once, here.
  jwk.erase("kid");
  auto key = Key::FromJwk(bj::serialize(jwk), *alg);
  if (!key.ok()) return Fail(Reason::kDpopInvalid, "proof jwk does not import for its alg");
  return std::shared_ptr<const Key>(std::move(*key));
}

// A small per-thread cache of checked headers (bounded, round-robin, like jws_crypto's
// contexts). Entries hold public keys only.
Result<std::shared_ptr<const Key>> CachedKey(std::string_view header_b64,
                                             const DpopOptions& options) {
  constexpr std::size_t kSlots = 8;
  thread_local std::array<ProofKey, kSlots> slots;
  thread_local std::size_t next = 0;
  for (const ProofKey& s : slots) {
    // A cached key passed the alg list in force then; re-check in case options differ.
    if (s.key != nullptr && s.header_b64 == header_b64 &&
        std::find(options.algs.begin(), options.algs.end(), s.key->alg()) != options.algs.end()) {
      return s.key;
    }
  }
  std::string header_json;
  if (!Base64UrlDecode(header_b64, &header_json)) {
    return Fail(Reason::kDpopInvalid, "proof header is not base64url");
  }
  auto key = KeyFromHeader(header_json, options);
  if (!key.ok()) return key;
  ProofKey& slot = slots[next++ % kSlots];
  slot.header_b64.assign(header_b64);
  slot.key = *key;
  return key;
}

// RFC 9449 §4.3 steps 8-12 on the verified payload.
Result<DpopProof> CheckClaims(const bj::object& c, const DpopRequest& request,
                              const DpopOptions& options, const Clock& clock) {
  const bj::string* htm = StringAt(c, "htm");
  const bj::string* htu = StringAt(c, "htu");
  const bj::string* jti = StringAt(c, "jti");
  const bj::value* iat = c.if_contains("iat");
  if (htm == nullptr || htu == nullptr || jti == nullptr || jti->empty() || jti->size() > 256 ||
      iat == nullptr || !(iat->is_int64() || iat->is_uint64())) {
    return Fail(Reason::kDpopInvalid, "proof lacks htm, htu, a jti or an integer iat");
  }
  // RFC 9110 §9.1: methods are case-sensitive.
  if (View(*htm) != request.method) return Fail(Reason::kDpopMismatch, "htm differs");
  std::optional<std::string> got = NormalizeHtu(View(*htu));
  std::optional<std::string> want = NormalizeHtu(request.uri);
  if (!got || !want || *got != *want) return Fail(Reason::kDpopMismatch, "htu differs");
  const std::int64_t now = clock.NowSeconds();
  // A uint64 above int64's range is far in the future; bounded skew/window keep this exact.
  const std::int64_t issued =
      iat->is_int64() ? iat->get_int64() : std::numeric_limits<std::int64_t>::max();
  if (issued > now + options.skew_seconds || issued < now - options.window_seconds) {
    return Fail(Reason::kDpopStale, "proof iat outside the window");
  }
  if (!request.access_token.empty()) {
    // RFC 9449 §4.3 step 12: ath must be the hash of the token presented with the proof.
    const bj::string* ath = StringAt(c, "ath");
    if (ath == nullptr || !ConstantTimeEquals(View(*ath), AccessTokenHash(request.access_token))) {
      return Fail(Reason::kDpopMismatch, "ath differs from the access token's hash");
    }
  }
  DpopProof proof;
  proof.jti.assign(View(*jti));
  proof.iat = issued;
  if (const bj::value* n = c.if_contains("nonce")) {
    if (!n->is_string()) return Fail(Reason::kDpopInvalid, "proof nonce is not a string");
    proof.nonce.emplace(View(n->get_string()));
  }
  return proof;
}

bool Unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = ToLowerAscii(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// RFC 3986 §6.2.2.2: percent-encoded unreserved characters decoded, other hex in upper case.
bool AppendNormalizedPath(std::string_view path, std::string* out) {
  constexpr char kHex[] = "0123456789ABCDEF";
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      out->push_back(path[i]);
      continue;
    }
    if (i + 2 >= path.size()) return false;
    const int hi = HexValue(path[i + 1]);
    const int lo = HexValue(path[i + 2]);
    if (hi < 0 || lo < 0) return false;
    char decoded = static_cast<char>(hi * 16 + lo);
    if (Unreserved(decoded)) {
      out->push_back(decoded);
    } else {
      out->push_back('%');
      out->push_back(kHex[hi]);
      out->push_back(kHex[lo]);
    }
    i += 2;
  }
  return true;
}

}  // namespace

std::optional<std::string> NormalizeHtu(std::string_view uri) {
  uri = uri.substr(0, uri.find_first_of("?#"));  // RFC 9449 §4.3 step 9
  const std::size_t sep = uri.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  std::string out;
  for (char c : uri.substr(0, sep)) out.push_back(ToLowerAscii(c));
  if (out != "http" && out != "https") return std::nullopt;
  const std::string_view default_port = out == "https" ? "443" : "80";
  std::string_view rest = uri.substr(sep + 3);
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "/" : rest.substr(slash);
  // No userinfo in an http(s) target (RFC 9110 §4.2.4); an IPv6 literal keeps its colons.
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  const std::size_t bracket = authority.rfind(']');
  std::size_t colon = authority.rfind(':');
  if (bracket != std::string_view::npos && colon < bracket) colon = std::string_view::npos;
  std::string_view host = authority.substr(0, colon);
  std::string_view port =
      colon == std::string_view::npos ? std::string_view() : authority.substr(colon + 1);
  if (host.empty() ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  out += "://";
  for (char c : host) out.push_back(ToLowerAscii(c));
  // RFC 3986 §6.2.3: an empty or default port is the same URI as none.
  if (!port.empty() && port != default_port) out.append(":").append(port);
  if (!AppendNormalizedPath(path, &out)) return std::nullopt;
  return out;
}

std::string AccessTokenHash(std::string_view access_token) {
  return Base64UrlEncode(Sha256(access_token));
}

Result<DpopProof> VerifyDpopProof(std::string_view proof, const DpopRequest& request,
                                  const DpopOptions& options, const Clock& clock) {
  CompactParts parts;
  // RFC 9449 §4.3 steps 1-2: one well-formed JWS compact value, bounded before any work.
  if (SplitCompact(proof, options.max_proof_bytes, &parts) != Reason::kNone) {
    return Fail(Reason::kDpopInvalid, "proof is not a JWS compact value of bounded size");
  }
  auto key = CachedKey(parts.header, options);
  if (!key.ok()) return key.error();
  std::string payload, signature;
  if (!Base64UrlDecode(parts.payload, &payload) || !Base64UrlDecode(parts.signature, &signature)) {
    return Fail(Reason::kDpopInvalid, "proof segment is not base64url");
  }
  // RFC 9449 §4.3 step 6: the signature verifies with the key in the header.
  if (!VerifyJwsSignature((*key)->impl(), parts.signing_input, signature)) {
    return Fail(Reason::kDpopInvalid, "proof signature does not verify");
  }
  std::optional<bj::object> claims = StrictObject(payload);
  if (!claims) return Fail(Reason::kDpopInvalid, "proof payload is not a strict JSON object");
  auto checked = CheckClaims(*claims, request, options, clock);
  if (!checked.ok()) return checked;
  checked->jkt = (*key)->kid();
  return checked;
}

Result<std::string> BoundThumbprint(const Claims& claims) {
  if (!claims.Has("cnf")) return std::string();
  // Only DPoP-bound tokens get here: one DOM parse of a payload that verified already.
  bj::error_code ec;
  bj::value v = bj::parse(bj::string_view(claims.json().data(), claims.json().size()), ec);
  const bj::value* cnf = ec || !v.is_object() ? nullptr : v.get_object().if_contains("cnf");
  const bj::string* jkt =
      cnf != nullptr && cnf->is_object() ? StringAt(cnf->get_object(), "jkt") : nullptr;
  if (jkt == nullptr || jkt->empty()) {
    return Error(Code::kUnauthenticated, Reason::kMissingClaim,
                 "cnf holds no jkt: a confirmation method this verifier cannot check");
  }
  return std::string(View(*jkt));
}

}  // namespace jwtd::jose
