// Every case of tests/vectors/access_check.json through jwtd's own AccessChecker: the keys of the
// vector file (a verifier's cached JWKS), a revocation view fed with the case's feed entries by
// the one sync path, the case's clock. The decision and its category (expired, revoked, invalid,
// stale) must be the vector's — the same file every SDK must pass (docs/verifying.md).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "jwtd/auth/access_checker.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/revocation_sync.h"
#include "jwtd/auth/revocation_view.h"
#include "jwtd/clock.h"
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
};

Outcome Decide(const boost::json::object& doc, const boost::json::object& c) {
  const auto& params = doc.at("params").as_object();
  ManualClock clock(c.at("now").as_int64());
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
  auto decided = (*checker)->Check(std::string(c.at("token").as_string()));
  if (decided.ok()) return {true, ""};
  return {false, CategoryOf(decided.error())};
}

TEST(AccessCheckVectorsTest, EveryCaseReachesItsDecision) {
  const boost::json::object doc = LoadVectors();
  const auto& cases = doc.at("cases").as_array();
  ASSERT_GE(cases.size(), 30u);
  for (const auto& v : cases) {
    const auto& c = v.as_object();
    const std::string name(c.at("name").as_string());
    const auto& expect = c.at("expect").as_object();
    const Outcome got = Decide(doc, c);
    EXPECT_EQ(got.valid, expect.at("valid").as_bool()) << name << ": " << got.reason;
    if (expect.contains("reason")) {
      EXPECT_EQ(got.reason, expect.at("reason").as_string()) << name;
    }
  }
}

}  // namespace
}  // namespace jwtd::auth
