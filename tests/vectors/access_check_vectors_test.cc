// Every case of tests/vectors/access_check.json through jwtd's own AccessChecker: the keys of the
// vector file (a verifier's cached JWKS), a revocation view fed with the case's feed entries by
// the one sync path, the case's clock. The decision and its category (expired, revoked, invalid,
// stale) must be the vector's — the same file every SDK must pass (docs/verifying.md). DPoP
// cases (RFC 9449) go on through auth::CheckTokenBinding with the case's request, and the
// replay sequences through one DpopGuard each.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "jwtd/auth/access_checker.h"
#include "jwtd/auth/dpop_guard.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/revocation_sync.h"
#include "jwtd/auth/revocation_view.h"
#include "jwtd/clock.h"
#include "jwtd/jose/alg.h"
#include "jwtd/jose/dpop.h"
#include "jwtd/jose/jwks.h"
#include "jwtd/jose/verifier.h"

namespace jwtd::auth {
namespace {

boost::json::object LoadVectors() {
  std::ifstream in(JWTD_VECTORS_FILE);
  std::stringstream text;
  text << in.rdbuf();
  return boost::json::parse(text.str()).as_object();
}

// The feed a follower would have received: the case's entries, served as a revocation log.
class FeedLog final : public RevocationLog {
 public:
  explicit FeedLog(std::vector<RevocationEntry> entries) : entries_(std::move(entries)) {}
  Result<std::vector<RevocationEntry>> ReadRevocations(std::int64_t after, std::int64_t now,
                                                       std::size_t limit) override {
    std::vector<RevocationEntry> out;
    for (const auto& e : entries_) {
      if (e.seq > after && e.expires_at > now && out.size() < limit) out.push_back(e);
    }
    return out;
  }
  Result<std::int64_t> MaxRevocationSeq() override {
    return entries_.empty() ? 0 : entries_.back().seq;
  }
  Result<std::string> BusKey() override { return Error(Code::kNotFound, Reason::kNone); }

 private:
  std::vector<RevocationEntry> entries_;
};

RevocationKind KindOf(std::string_view name) {
  if (name == "jti") return RevocationKind::kJti;
  if (name == "session") return RevocationKind::kSession;
  if (name == "user_version") return RevocationKind::kUserVersion;
  if (name == "key") return RevocationKind::kKey;
  ADD_FAILURE() << "unknown kind " << name;
  return RevocationKind::kJti;
}

// The category a verifier reports (docs/verifying.md "Decisions").
std::string CategoryOf(const Error& e) {
  switch (e.reason()) {
    case Reason::kTokenExpired:
      return "expired";
    case Reason::kJtiDenied:
    case Reason::kSessionEnded:
    case Reason::kVersionBumped:
    case Reason::kKeyRevoked:
      return "revoked";
    case Reason::kViewStale:
      return "stale";
    default:
      return "invalid";
  }
}

struct Outcome {
  bool valid = false;
  std::string reason;
  std::string dpop_error;  // the RFC 9449 §7.1 error of a refused DPoP case
  std::string jkt;         // the key a valid bound token was proved with
};

// The error a resource server answers (RFC 9449 §7.1, RFC 6750 §3.1): a refused proof is
// invalid_dpop_proof, anything about the token or its binding invalid_token.
std::string DpopErrorOf(const Error& e) {
  switch (e.reason()) {
    case Reason::kDpopInvalid:
    case Reason::kDpopMismatch:
    case Reason::kDpopStale:
    case Reason::kDpopReplayed:
    case Reason::kDpopNonce:
      return "invalid_dpop_proof";
    default:
      return "invalid_token";
  }
}

// The DPoP rules of params.dpop (no server nonce: a resource server cannot check jwtd's).
std::unique_ptr<DpopGuard> GuardFor(const boost::json::object& doc, const Clock* clock) {
  const auto& p = doc.at("params").as_object().at("dpop").as_object();
  DpopGuardOptions o;
  o.mode = DpopMode::kOptional;
  o.proof.algs.clear();
  for (const auto& a : p.at("algs").as_array()) {
    auto alg = jose::ParseAlg(std::string(a.as_string()));
    EXPECT_TRUE(alg.has_value());
    if (alg) o.proof.algs.push_back(*alg);
  }
  o.proof.window_seconds = p.at("window").as_int64();
  o.proof.skew_seconds = p.at("skew").as_int64();
  auto guard = DpopGuard::Create(o, clock);
  EXPECT_TRUE(guard.ok()) << guard.error().message();
  return std::move(*guard);
}

// One request of a case (`c`: token, feed, stale) at `clock`'s now: AccessChecker on the token,
// then auth::CheckTokenBinding with the request (`request` null: Bearer, no proof).
Outcome Decide(const boost::json::object& doc, const boost::json::object& c,
               const boost::json::object* request, const ManualClock& clock, DpopGuard* guard) {
  const auto& params = doc.at("params").as_object();
  auto keys = jose::KeySet::FromJwks(boost::json::serialize(doc.at("jwks")));
  EXPECT_TRUE(keys.ok()) << keys.error().message();
  jose::VerifyOptions verify;
  verify.issuer = std::string(params.at("issuer").as_string());
  verify.audiences = {std::string(params.at("audience").as_string())};
  verify.typ = std::string(params.at("typ").as_string());
  verify.leeway_seconds = params.at("leeway").as_int64();
  verify.max_token_bytes = static_cast<std::size_t>(params.at("max_token_bytes").as_int64());
  auto verifier = jose::Verifier::Create(*keys, verify, &clock);
  EXPECT_TRUE(verifier.ok());
  auto source = FixedVerifierSource(std::move(*verifier));

  std::vector<RevocationEntry> entries;
  for (const auto& v : c.at("feed").as_array()) {
    const auto& o = v.as_object();
    RevocationEntry e;
    e.seq = o.at("seq").as_int64();
    e.kind = KindOf(o.at("kind").as_string());
    e.key = std::string(o.at("key").as_string());
    e.value = o.at("value").as_int64();
    e.expires_at = o.at("expires_at").as_int64();
    entries.push_back(std::move(e));
  }
  FeedLog log(std::move(entries));
  auto view = RevocationView::Create({});  // both strategies, as params.strategies says
  RevocationSyncOptions sync_options;
  sync_options.stale_mode = StaleMode::kRefuse;  // a verifier that cannot read the feed refuses
  auto sync = RevocationSync::Create(sync_options, &log, view.get(), &clock);
  EXPECT_TRUE(sync.ok());
  if (!c.at("stale").as_bool()) {
    EXPECT_TRUE((*sync)->CatchUp().ok());
  }
  AccessCheckOptions check;
  check.max_lifetime_seconds = params.at("access_ttl").as_int64();
  check.verified_cache_entries = 0;
  auto checker = AccessChecker::Create(check, source.get(), view.get(), sync->get(), &clock);
  EXPECT_TRUE(checker.ok());
  const std::string token(c.at("token").as_string());
  auto decided = (*checker)->Check(token);
  if (!decided.ok()) return {false, CategoryOf(decided.error()), "invalid_token", ""};
  Principal principal;  // only the binding matters here
  auto jkt = jose::BoundThumbprint(**decided);
  if (!jkt.ok()) return {false, CategoryOf(jkt.error()), "invalid_token", ""};
  principal.jkt = *jkt;
  TokenScheme scheme = TokenScheme::kBearer;
  std::optional<std::string_view> proof;
  std::string method, uri;
  if (request != nullptr) {
    scheme =
        request->at("scheme").as_string() == "DPoP" ? TokenScheme::kDpop : TokenScheme::kBearer;
    if (request->at("proof").is_string()) proof = request->at("proof").as_string();
    method = std::string(request->at("method").as_string());
    uri = std::string(request->at("uri").as_string());
  }
  auto bound = CheckTokenBinding(guard, principal, scheme, proof, {method, uri, token});
  if (!bound.ok()) return {false, CategoryOf(bound.error()), DpopErrorOf(bound.error()), ""};
  return {true, "", "", principal.jkt};
}

void ExpectDecision(const Outcome& got, const boost::json::object& expect,
                    const std::string& name) {
  EXPECT_EQ(got.valid, expect.at("valid").as_bool()) << name << ": " << got.reason;
  if (expect.contains("reason")) {
    EXPECT_EQ(got.reason, expect.at("reason").as_string()) << name;
  }
  if (expect.contains("dpop_error")) {
    EXPECT_EQ(got.dpop_error, expect.at("dpop_error").as_string()) << name;
  }
  if (expect.contains("jkt")) {
    EXPECT_EQ(got.jkt, expect.at("jkt").as_string()) << name;
  }
}

TEST(AccessCheckVectorsTest, EveryCaseReachesItsDecision) {
  const boost::json::object doc = LoadVectors();
  const auto& cases = doc.at("cases").as_array();
  ASSERT_GE(cases.size(), 60u);
  for (const auto& v : cases) {
    const auto& c = v.as_object();
    const std::string name(c.at("name").as_string());
    ManualClock clock(c.at("now").as_int64());
    auto guard = GuardFor(doc, &clock);
    const auto* request = c.if_contains("request");
    ExpectDecision(
        Decide(doc, c, request != nullptr ? &request->as_object() : nullptr, clock, guard.get()),
        c.at("expect").as_object(), name);
  }
}

// Replay (RFC 9449 §11.1) needs state: each sequence's steps through one guard, in order.
TEST(AccessCheckVectorsTest, EverySequenceReachesItsDecisions) {
  const boost::json::object doc = LoadVectors();
  const auto& sequences = doc.at("sequences").as_array();
  ASSERT_GE(sequences.size(), 4u);
  for (const auto& v : sequences) {
    const auto& s = v.as_object();
    const std::string name(s.at("name").as_string());
    ManualClock clock(0);
    auto guard = GuardFor(doc, &clock);
    int step = 0;
    for (const auto& st : s.at("steps").as_array()) {
      const auto& o = st.as_object();
      clock.Set(o.at("now").as_int64());
      ExpectDecision(Decide(doc, s, &o.at("request").as_object(), clock, guard.get()),
                     o.at("expect").as_object(), name + " step " + std::to_string(++step));
    }
  }
}

}  // namespace
}  // namespace jwtd::auth
