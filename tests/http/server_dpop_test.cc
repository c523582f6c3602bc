// DPoP (RFC 9449) through the real server: a login with a proof binds the session, its access
// tokens (cnf.jkt, token_type DPoP) and its refresh token to the proof's key; resource requests
// need "Authorization: DPoP" and a fresh proof by that key; every attack of the issue is refused
// with the error RFC 9449 §7.1 names; nonces, replay, the modes and the metadata.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <mutex>
#include <set>

#include "http/cookies.h"
#include "jwtd/jose/base64url.h"
#include "jwtd/jose/dpop.h"
#include "jwtd/jose/key.h"
#include "server_fixture.h"

namespace jwtd::http::testing {
namespace {

constexpr std::string_view kOrigin = "http://127.0.0.1:8080";  // DefaultAuth's issuer

std::shared_ptr<const jose::Key> NewKey(jose::Alg alg = jose::Alg::kES256) {
  auto key = jose::Key::Generate(alg);
  EXPECT_TRUE(key.ok());
  return std::shared_ptr<const jose::Key>(std::move(*key));
}

// The claims of a JWS (no check: the server signed it).
boost::json::object PayloadOf(std::string_view token) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  std::string json;
  EXPECT_TRUE(jose::Base64UrlDecode(token.substr(first + 1, second - first - 1), &json));
  return boost::json::parse(json).as_object();
}

// A shared replay ledger as another node would see it: every key claimed, and switches for
// "another node used this proof first" and "the ledger cannot answer".
class RecordingLedger final : public auth::DpopReplayLedger {
 public:
  Result<bool> Claim(std::string_view key, std::int64_t ttl_seconds) override {
    std::lock_guard lock(mu_);
    if (down) return Error(Code::kUnavailable, Reason::kStoreUnavailable, "ledger down");
    ttl = ttl_seconds;
    if (used_elsewhere.exchange(false)) return false;
    return keys.insert(std::string(key)).second;
  }
  std::size_t claims() {
    std::lock_guard lock(mu_);
    return keys.size();
  }
  std::mutex mu_;
  std::set<std::string> keys;  // guarded by mu_
  // Set by the test thread, read by the server's workers.
  std::atomic<std::int64_t> ttl{0};
  std::atomic<bool> down{false}, used_elsewhere{false};
};

class DpopServerTest : public ServerTest {
 protected:
  void Start(auth::DpopMode mode, std::int64_t nonce_lifetime = 0,
             auth::DpopReplayLedger* ledger = nullptr) {
    ServerOptions o = DefaultOptions();
    o.dpop.mode = mode;
    o.dpop.nonce_lifetime_seconds = nonce_lifetime;
    o.dpop.shared_replay = ledger;
    auth::AuthOptions a = DefaultAuth();
    a.dpop_required = mode == auth::DpopMode::kRequired;
    Restart(o, a);
  }

  std::string Proof(const jose::Key& key, std::string_view method, std::string_view path,
                    std::string_view token = {}, std::string_view nonce = {},
                    std::int64_t iat_offset = 0) {
    auto proof = jose::SignDpopProof(key, method, std::string(kOrigin) + std::string(path),
                                     clock_.NowSeconds() + iat_offset,
                                     "jti-" + std::to_string(++proofs_), token, nonce);
    EXPECT_TRUE(proof.ok());
    return proof.ok() ? *proof : std::string();
  }

  Reply LoginWith(const std::string& user, const std::string& proof) {
    Headers h;
    if (!proof.empty()) h.emplace_back("DPoP", proof);
    return PostJson("/v1/login",
                    R"({"username":")" + user + R"(","password":")" + kPassword + R"("})", h);
  }

  Reply RefreshWith(const std::string& refresh, const std::string& proof) {
    Headers h;
    if (!proof.empty()) h.emplace_back("DPoP", proof);
    return PostForm("/oauth/token", "grant_type=refresh_token&refresh_token=" + refresh, h);
  }

  Reply MeWith(std::string_view scheme, const std::string& token, const std::string& proof) {
    Headers h{{"Authorization", std::string(scheme) + " " + token}};
    if (!proof.empty()) h.emplace_back("DPoP", proof);
    return Get("/v1/me", h);
  }

  // Registers `user` and logs in with a proof by `key`: the token response.
  boost::json::object BoundLogin(const std::string& user, const jose::Key& key) {
    Register(user);
    const Reply r = LoginWith(user, Proof(key, "POST", "/v1/login"));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json().as_object();
  }

  static std::string Str(const boost::json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
  }
  static std::string ErrorOf(const Reply& r) {
    const auto v = r.Json();
    return v.is_object() ? Str(v.as_object(), "error") : std::string();
  }

  int proofs_ = 0;
  // A member, not a test's local: the server (stopped in TearDown) holds a pointer to it.
  RecordingLedger ledger_;
};

TEST_F(DpopServerTest, LoginWithAProofBindsTheAccessTokenAndMeNeedsAProofByThatKey) {
  Start(auth::DpopMode::kOptional);
  const auto key = NewKey();
  const auto tokens = BoundLogin("alice", *key);
  EXPECT_EQ(Str(tokens, "token_type"), "DPoP");
  const std::string access = Str(tokens, "access_token");
  const auto claims = PayloadOf(access);
  ASSERT_TRUE(claims.contains("cnf"));
  EXPECT_EQ(claims.at("cnf").at("jkt").as_string(), key->Thumbprint());

  const Reply ok = MeWith("DPoP", access, Proof(*key, "GET", "/v1/me", access));
  EXPECT_EQ(ok.status, 200) << ok.body;

  // The token alone, as a thief who copied it has it: refused under either scheme.
  const Reply as_bearer = MeWith("Bearer", access, "");
  EXPECT_EQ(as_bearer.status, 401);
  EXPECT_EQ(ErrorOf(as_bearer), "invalid_token");
  const Reply no_proof = MeWith("DPoP", access, "");
  EXPECT_EQ(no_proof.status, 401);
  EXPECT_EQ(ErrorOf(no_proof), "invalid_dpop_proof");
  EXPECT_NE(no_proof.Header("www-authenticate").find("DPoP"), std::string::npos);
  // With the thief's own key: a valid proof, but not by the token's key.
  const auto thief = NewKey();
  const Reply other_key = MeWith("DPoP", access, Proof(*thief, "GET", "/v1/me", access));
  EXPECT_EQ(other_key.status, 401);
  EXPECT_EQ(ErrorOf(other_key), "invalid_token");
}

TEST_F(DpopServerTest, EveryTamperedOrReplayedProofIsRefusedWithInvalidDpopProof) {
  Start(auth::DpopMode::kOptional);
  const auto key = NewKey(jose::Alg::kEdDSA);
  const std::string access = Str(BoundLogin("bob", *key), "access_token");
  const auto expect_refused = [&](const std::string& proof, const char* what) {
    const Reply r = MeWith("DPoP", access, proof);
    EXPECT_EQ(r.status, 401) << what;
    EXPECT_EQ(ErrorOf(r), "invalid_dpop_proof") << what;
    EXPECT_EQ(r.Header("www-authenticate"), R"(DPoP error="invalid_dpop_proof")") << what;
  };
  expect_refused(Proof(*key, "POST", "/v1/me", access), "wrong htm");
  expect_refused(Proof(*key, "GET", "/v1/sessions", access), "wrong htu");
  expect_refused(Proof(*key, "GET", "/v1/me", "another token"), "ath mismatch");
  expect_refused(Proof(*key, "GET", "/v1/me"), "no ath");
  expect_refused(Proof(*key, "GET", "/v1/me", access, {}, -600), "stale iat");
  expect_refused(Proof(*key, "GET", "/v1/me", access, {}, +600), "iat in the future");
  const std::string once = Proof(*key, "GET", "/v1/me", access);
  EXPECT_EQ(MeWith("DPoP", access, once).status, 200);
  expect_refused(once, "replayed jti");
  // Two DPoP headers.
  const Reply twice = Get("/v1/me", {{"Authorization", "DPoP " + access},
                                     {"DPoP", Proof(*key, "GET", "/v1/me", access)},
                                     {"DPoP", Proof(*key, "GET", "/v1/me", access)}});
  EXPECT_EQ(twice.status, 401);
  EXPECT_EQ(ErrorOf(twice), "invalid_dpop_proof");
}

TEST_F(DpopServerTest, ABoundRefreshTokenIsUselessWithoutItsKeyAndSpendsNothing) {
  Start(auth::DpopMode::kOptional);
  const auto key = NewKey();
  const std::string refresh = Str(BoundLogin("carol", *key), "refresh_token");
  const Reply bare = RefreshWith(refresh, "");
  EXPECT_EQ(bare.status, 400);
  EXPECT_EQ(ErrorOf(bare), "invalid_dpop_proof");
  const Reply thief = RefreshWith(refresh, Proof(*NewKey(), "POST", "/oauth/token"));
  EXPECT_EQ(thief.status, 400);
  EXPECT_EQ(ErrorOf(thief), "invalid_dpop_proof");
  // Neither attempt rotated the token or tripped reuse detection: the holder of the key goes on.
  const Reply owner = RefreshWith(refresh, Proof(*key, "POST", "/oauth/token"));
  ASSERT_EQ(owner.status, 200) << owner.body;
  const auto next = owner.Json().as_object();
  EXPECT_EQ(Str(next, "token_type"), "DPoP");
  EXPECT_EQ(PayloadOf(Str(next, "access_token")).at("cnf").at("jkt").as_string(),
            key->Thumbprint());
}

// A browser's refresh cookie of a bound session: a refresh without a proof is refused, and the
// cookies stay (the token was not spent: clearing them would sign the browser out for a proof it
// can still make).
TEST_F(DpopServerTest, ACookieRefreshWithoutTheProofKeepsTheCookies) {
  Start(auth::DpopMode::kOptional);
  Register("gina");
  const auto key = NewKey();
  const Reply login = PostJson(
      "/v1/login",
      R"({"username":"gina","password":")" + std::string(kPassword) + R"(","cookie":true})",
      {{"DPoP", Proof(*key, "POST", "/v1/login")}});
  ASSERT_EQ(login.status, 200) << login.body;
  const CookieNames names = CookieNamesFor(true);
  const std::string refresh = login.SetCookieValue(names.refresh);
  const std::string csrf = login.SetCookieValue(names.csrf);
  ASSERT_FALSE(refresh.empty());
  const std::string cookie =
      std::string(names.refresh) + "=" + refresh + "; " + std::string(names.csrf) + "=" + csrf;
  Headers h{{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
  const Reply bare = PostForm("/oauth/token", "grant_type=refresh_token", h);
  EXPECT_EQ(bare.status, 400);
  EXPECT_EQ(ErrorOf(bare), "invalid_dpop_proof");
  EXPECT_TRUE(bare.Headers("set-cookie").empty()) << "the cookies were cleared";
  h.emplace_back("DPoP", Proof(*key, "POST", "/oauth/token"));
  const Reply ok = PostForm("/oauth/token", "grant_type=refresh_token", h);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_FALSE(ok.SetCookieValue(names.refresh).empty());
}

// An issuer with a path (jwtd behind a proxy that strips it): htu is the issuer + the path, as
// the metadata's endpoint URLs are.
TEST_F(DpopServerTest, HtuIsTheIssuerWithItsPathPlusTheRequestPath) {
  ServerOptions o = DefaultOptions();
  o.dpop.mode = auth::DpopMode::kOptional;
  auth::AuthOptions a = DefaultAuth();
  a.issuer = "https://id.example/auth/";
  Restart(o, a);
  Register("hugo");
  const auto meta = Get("/.well-known/oauth-authorization-server").Json().as_object();
  const std::string endpoint = Str(meta, "token_endpoint");
  EXPECT_EQ(endpoint, "https://id.example/auth/oauth/token");
  const auto key = NewKey();
  auto proof = [&](std::string_view uri) {
    auto p = jose::SignDpopProof(*key, "POST", uri, clock_.NowSeconds(),
                                 "jti-" + std::to_string(++proofs_));
    EXPECT_TRUE(p.ok());
    return *p;
  };
  EXPECT_EQ(LoginWith("hugo", proof("https://id.example/v1/login")).status, 400);
  const Reply ok = LoginWith("hugo", proof("https://id.example/auth/v1/login"));
  ASSERT_EQ(ok.status, 200) << ok.body;
  const Reply refreshed = RefreshWith(Str(ok.Json().as_object(), "refresh_token"), proof(endpoint));
  EXPECT_EQ(refreshed.status, 200) << refreshed.body;
}

TEST_F(DpopServerTest, OptionalModeKeepsBearerLoginsAndRequiredModeRefusesThem) {
  Start(auth::DpopMode::kOptional);
  Register("dave");
  const auto bearer = Login("dave");
  EXPECT_EQ(Str(bearer, "token_type"), "Bearer");
  EXPECT_FALSE(PayloadOf(Str(bearer, "access_token")).contains("cnf"));
  EXPECT_EQ(Get("/v1/me", Bearer(Str(bearer, "access_token"))).status, 200);
  // A bearer token under the DPoP scheme is not a bound token.
  const auto key = NewKey();
  const std::string access = Str(bearer, "access_token");
  EXPECT_EQ(MeWith("DPoP", access, Proof(*key, "GET", "/v1/me", access)).status, 401);

  Start(auth::DpopMode::kRequired);
  const Reply refused = Get("/v1/me", Bearer(access));
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(ErrorOf(refused), "invalid_token");
  const Reply no_proof = LoginWith("dave", "");
  EXPECT_EQ(no_proof.status, 400);
  EXPECT_EQ(ErrorOf(no_proof), "invalid_dpop_proof");
  // The session made by the bearer login cannot be refreshed into tokens nobody would accept.
  const Reply unbound =
      RefreshWith(Str(bearer, "refresh_token"), Proof(*key, "POST", "/oauth/token"));
  EXPECT_EQ(unbound.status, 400);
  EXPECT_EQ(ErrorOf(unbound), "invalid_dpop_proof");
  const Reply challenge = Get("/v1/me");
  EXPECT_EQ(challenge.status, 401);
  EXPECT_EQ(challenge.Header("www-authenticate"), R"(DPoP algs="ES256 EdDSA")");
  // A login with a proof works as in optional mode.
  const Reply bound = LoginWith("dave", Proof(*key, "POST", "/v1/login"));
  ASSERT_EQ(bound.status, 200) << bound.body;
  EXPECT_EQ(Str(bound.Json().as_object(), "token_type"), "DPoP");
}

TEST_F(DpopServerTest, ServerNoncesAreAskedForHandedOutAndExpire) {
  Start(auth::DpopMode::kOptional, /*nonce_lifetime=*/60);
  Register("erin");
  const auto key = NewKey();
  const Reply ask = LoginWith("erin", Proof(*key, "POST", "/v1/login"));
  EXPECT_EQ(ask.status, 400);
  EXPECT_EQ(ErrorOf(ask), "use_dpop_nonce");
  const std::string nonce = ask.Header("dpop-nonce");
  ASSERT_FALSE(nonce.empty());
  const Reply ok = LoginWith("erin", Proof(*key, "POST", "/v1/login", {}, nonce));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_FALSE(ok.Header("dpop-nonce").empty());
  const std::string access = Str(ok.Json().as_object(), "access_token");
  EXPECT_EQ(MeWith("DPoP", access, Proof(*key, "GET", "/v1/me", access, nonce)).status, 200);
  const Reply forged = MeWith("DPoP", access, Proof(*key, "GET", "/v1/me", access, "bm9uY2U"));
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(ErrorOf(forged), "use_dpop_nonce");
  EXPECT_EQ(forged.Header("www-authenticate"), R"(DPoP error="use_dpop_nonce")");
  EXPECT_FALSE(forged.Header("dpop-nonce").empty());
  clock_.Advance(121);  // two lifetimes: the nonce's bucket and the next are over
  const Reply expired = MeWith("DPoP", access, Proof(*key, "GET", "/v1/me", access, nonce));
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(ErrorOf(expired), "use_dpop_nonce");
}

TEST_F(DpopServerTest, MetadataAndIntrospectionTellTheBinding) {
  const auto off = Get("/.well-known/oauth-authorization-server").Json().as_object();
  EXPECT_FALSE(off.contains("dpop_signing_alg_values_supported"));
  // With DPoP off a DPoP header is ignored: the login is a bearer login.
  Register("frank");
  const auto key = NewKey();
  const Reply ignored = LoginWith("frank", Proof(*key, "POST", "/v1/login"));
  ASSERT_EQ(ignored.status, 200);
  EXPECT_EQ(Str(ignored.Json().as_object(), "token_type"), "Bearer");

  Start(auth::DpopMode::kOptional);
  const auto meta = Get("/.well-known/oauth-authorization-server").Json().as_object();
  ASSERT_TRUE(meta.contains("dpop_signing_alg_values_supported"));
  EXPECT_EQ(boost::json::serialize(meta.at("dpop_signing_alg_values_supported")),
            R"(["ES256","EdDSA"])");
  const Reply bound = LoginWith("frank", Proof(*key, "POST", "/v1/login"));
  const std::string access = Str(bound.Json().as_object(), "access_token");
  const Reply in = PostForm("/oauth/introspect", "token=" + access);
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(in.Json().at("cnf").at("jkt").as_string(), key->Thumbprint());
}

// With a shared ledger every proof the node accepts is claimed there before the request is
// served (on the worker pool: the claim may block); a proof another node used first is a
// replay, and a ledger that cannot answer refuses the request with 503 and changes nothing.
TEST_F(DpopServerTest, ASharedLedgerIsAskedBeforeAnyAnswerOrWrite) {
  RecordingLedger& ledger = ledger_;
  Start(auth::DpopMode::kOptional, 0, &ledger);
  const auto key = NewKey();
  const std::string access = Str(BoundLogin("grace", *key), "access_token");
  EXPECT_EQ(ledger.claims(), 1u);     // the login's proof
  EXPECT_EQ(ledger.ttl, 60 + 2 * 5);  // window + 2 skew (the defaults): nodes' clocks differ
  ASSERT_EQ(MeWith("DPoP", access, Proof(*key, "GET", "/v1/me", access)).status, 200);
  EXPECT_EQ(ledger.claims(), 2u);
  Register("heidi");  // a bearer login asks no ledger
  const Reply bearer = PostJson(
      "/v1/login", R"({"username":"heidi","password":")" + std::string(kPassword) + R"("})");
  ASSERT_EQ(bearer.status, 200);
  const std::string bearer_access = Str(bearer.Json().as_object(), "access_token");
  ASSERT_EQ(MeWith("Bearer", bearer_access, "").status, 200);
  EXPECT_EQ(ledger.claims(), 2u);

  ledger.used_elsewhere = true;
  const Reply replayed = MeWith("DPoP", access, Proof(*key, "GET", "/v1/me", access));
  EXPECT_EQ(replayed.status, 401);
  EXPECT_EQ(ErrorOf(replayed), "invalid_dpop_proof");
  EXPECT_EQ(replayed.Header("www-authenticate"), R"(DPoP error="invalid_dpop_proof")");

  ledger.down = true;
  const Reply down = MeWith("DPoP", access, Proof(*key, "GET", "/v1/me", access));
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.Header("retry-after"), "1");
  // A login whose proof cannot be claimed creates no session; logout-all ends none.
  const Reply no_login = LoginWith("grace", Proof(*key, "POST", "/v1/login"));
  EXPECT_EQ(no_login.status, 503) << no_login.body;
  EXPECT_FALSE(no_login.Json().as_object().contains("access_token"));
  Headers h{{"Authorization", "DPoP " + access},
            {"DPoP", Proof(*key, "POST", "/v1/logout-all", access)}};
  EXPECT_EQ(PostJson("/v1/logout-all", "{}", h).status, 503);
  ledger.down = false;
  const Reply sessions = Get(
      "/v1/sessions",
      {{"Authorization", "DPoP " + access}, {"DPoP", Proof(*key, "GET", "/v1/sessions", access)}});
  ASSERT_EQ(sessions.status, 200) << sessions.body << " (the session survived logout-all)";
  EXPECT_EQ(sessions.Json().as_array().size(), 1u) << "a session was created without a claim";
}

}  // namespace
}  // namespace jwtd::http::testing
