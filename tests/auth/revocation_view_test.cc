// RevocationView against real verified claims (signed and verified by jose).
#include "jwtd/auth/revocation_view.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "jwtd/clock.h"
#include "jwtd/jose/jwks.h"
#include "jwtd/jose/signer.h"
#include "jwtd/jose/verifier.h"

namespace jwtd::auth {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

// Mints verified claims: HS256 keys "k1" and "k2", a verifier accepting both.
class Tokens {
 public:
  Tokens() : clock_(kNow) {
    auto k1 = jose::Key::FromSecret(std::string(32, 'a'), jose::Alg::kHS256, "k1");
    auto k2 = jose::Key::FromSecret(std::string(32, 'b'), jose::Alg::kHS256, "k2");
    std::shared_ptr<const jose::Key> s1 = std::move(*k1), s2 = std::move(*k2);
    signer1_ = std::move(*jose::Signer::Create(s1));
    signer2_ = std::move(*jose::Signer::Create(s2));
    verifier_ = std::move(*jose::Verifier::Create(*jose::KeySet::Of({s1, s2}), {}, &clock_));
  }

  // Claims of an access token; ver < 0 leaves ver out, empty jti/sid leave them out.
  jose::Claims Make(std::string sub, std::string jti, std::string sid, std::int64_t ver,
                    bool second_key = false) const {
    // Built by appends: GCC 12 warns falsely (-Wrestrict) on chains of "literal" + string.
    std::string json = R"({"sub":")";
    json.append(sub).append(R"(","exp":)").append(std::to_string(kNow + 900));
    if (!jti.empty()) json.append(R"(,"jti":")").append(jti).append("\"");
    if (!sid.empty()) json.append(R"(,"sid":")").append(sid).append("\"");
    if (ver >= 0) json.append(R"(,"ver":)").append(std::to_string(ver));
    json += "}";
    auto token = (second_key ? signer2_ : signer1_)->Sign(json);
    EXPECT_TRUE(token.ok());
    auto claims = verifier_->Verify(*token);
    EXPECT_TRUE(claims.ok()) << claims.error().message();
    return *claims;
  }

 private:
  ManualClock clock_;
  std::unique_ptr<jose::Signer> signer1_, signer2_;
  std::unique_ptr<jose::Verifier> verifier_;
};

// prefix + i, built by append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
std::string Numbered(std::string_view prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

RevocationEntry Entry(std::int64_t seq, RevocationKind kind, std::string key,
                      std::int64_t expires_at, std::int64_t value = 0) {
  RevocationEntry e;
  e.seq = seq;
  e.kind = kind;
  e.key = std::move(key);
  e.value = value;
  e.expires_at = expires_at;
  e.created_at = kNow;
  return e;
}

Reason RefusalOf(const RevocationView& view, const jose::Claims& claims) {
  auto r = view.Check(claims);
  if (r.ok()) return Reason::kNone;
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
  return r.error().reason();
}

TEST(RevocationViewTest, EmptyViewAcceptsCurrentTokens) {
  Tokens t;
  auto view = RevocationView::Create({});
  EXPECT_EQ(RefusalOf(*view, t.Make("42", "j1", "s1", 1)), Reason::kNone);
  EXPECT_EQ(view->MinVersion(42), 1);
  EXPECT_EQ(view->applied_seq(), 0);
}

TEST(RevocationViewTest, DeniedJtiIsRefusedOthersAreNot) {
  Tokens t;
  auto view = RevocationView::Create({});
  view->Apply(Entry(1, RevocationKind::kJti, "j1", kNow + 900));
  EXPECT_TRUE(view->IsJtiDenied("j1"));
  EXPECT_FALSE(view->IsJtiDenied("j2"));
  EXPECT_FALSE(view->IsJtiDenied("j1 "));
  EXPECT_EQ(RefusalOf(*view, t.Make("42", "j1", "s1", 1)), Reason::kJtiDenied);
  EXPECT_EQ(RefusalOf(*view, t.Make("42", "j2", "s1", 1)), Reason::kNone);
  EXPECT_EQ(view->applied_seq(), 1);
}

TEST(RevocationViewTest, EndedSessionRefusesEveryTokenOfIt) {
  Tokens t;
  auto view = RevocationView::Create({});
  view->Apply(Entry(1, RevocationKind::kSession, "s1", kNow + 900));
  EXPECT_TRUE(view->IsSessionEnded("s1"));
  EXPECT_EQ(RefusalOf(*view, t.Make("42", "j1", "s1", 1)), Reason::kSessionEnded);
  EXPECT_EQ(RefusalOf(*view, t.Make("42", "j2", "s1", 1)), Reason::kSessionEnded);
  EXPECT_EQ(RefusalOf(*view, t.Make("42", "j3", "s2", 1)), Reason::kNone);
  EXPECT_FALSE(view->IsJtiDenied("s1"));  // sids and jtis are separate sets
}

TEST(RevocationViewTest, VersionBumpRefusesOlderTokensAndNeverGoesDown) {
  Tokens t;
  auto view = RevocationView::Create({});
  view->Apply(Entry(1, RevocationKind::kUserVersion, "42", kNow + 900, 3));
  EXPECT_EQ(view->MinVersion(42), 3);
  EXPECT_EQ(view->MinVersion(43), 1);
  EXPECT_EQ(RefusalOf(*view, t.Make("42", "j1", "s1", 2)), Reason::kVersionBumped);
  EXPECT_EQ(RefusalOf(*view, t.Make("42", "j1", "s1", 3)), Reason::kNone);
  EXPECT_EQ(RefusalOf(*view, t.Make("43", "j1", "s1", 1)), Reason::kNone);
  view->Apply(Entry(2, RevocationKind::kUserVersion, "42", kNow + 900, 2));
  EXPECT_EQ(view->MinVersion(42), 3);
  EXPECT_EQ(view->applied_seq(), 2);
}

TEST(RevocationViewTest, TokenWithoutVerIsRefusedWhileVersionIsOn) {
  Tokens t;
  auto on = RevocationView::Create({});
  EXPECT_EQ(RefusalOf(*on, t.Make("42", "j1", "s1", -1)), Reason::kVersionBumped);
  auto off = RevocationView::Create({.denylist = true, .version = false});
  EXPECT_EQ(RefusalOf(*off, t.Make("42", "j1", "s1", -1)), Reason::kNone);
}

TEST(RevocationViewTest, StrategiesSwitchedOffAreNotCheckedButKeysAlwaysAre) {
  Tokens t;
  auto view = RevocationView::Create({.denylist = false, .version = false});
  view->Apply(Entry(1, RevocationKind::kJti, "j1", kNow + 900));
  view->Apply(Entry(2, RevocationKind::kSession, "s1", kNow + 900));
  view->Apply(Entry(3, RevocationKind::kUserVersion, "42", kNow + 900, 5));
  EXPECT_EQ(RefusalOf(*view, t.Make("42", "j1", "s1", 1)), Reason::kNone);
  view->Apply(Entry(4, RevocationKind::kKey, "k1", kNow + 900));
  EXPECT_EQ(RefusalOf(*view, t.Make("42", "j1", "s1", 1)), Reason::kKeyRevoked);
  EXPECT_EQ(RefusalOf(*view, t.Make("42", "j1", "s1", 1, /*second_key=*/true)), Reason::kNone);
}

TEST(RevocationViewTest, ExpireDropsOnlyEntriesPastTheirExpiry) {
  Tokens t;
  auto view = RevocationView::Create({});
  view->Apply(Entry(1, RevocationKind::kJti, "short", kNow + 100));
  view->Apply(Entry(2, RevocationKind::kJti, "long", kNow + 10'000));
  view->Apply(Entry(3, RevocationKind::kSession, "s1", kNow + 100));
  view->Apply(Entry(4, RevocationKind::kUserVersion, "42", kNow + 100, 4));
  view->Apply(Entry(5, RevocationKind::kKey, "k1", kNow + 100));
  EXPECT_EQ(view->Stats().denied_jtis, 2u);
  view->Expire(kNow + 100);  // not yet *before* now
  EXPECT_TRUE(view->IsJtiDenied("short"));
  view->Expire(kNow + 200);
  EXPECT_FALSE(view->IsJtiDenied("short"));
  EXPECT_TRUE(view->IsJtiDenied("long"));
  EXPECT_FALSE(view->IsSessionEnded("s1"));
  EXPECT_EQ(view->MinVersion(42), 1);
  const auto stats = view->Stats();
  EXPECT_EQ(stats.denied_jtis, 1u);
  EXPECT_EQ(stats.ended_sessions, 0u);
  EXPECT_EQ(stats.user_versions, 0u);
  EXPECT_EQ(stats.revoked_keys, 0u);
  EXPECT_EQ(stats.applied_seq, 5);
}

TEST(RevocationViewTest, ReappliedLaterExpiryKeepsTheEntry) {
  auto view = RevocationView::Create({});
  view->Apply(Entry(1, RevocationKind::kSession, "s1", kNow + 100));
  view->Apply(Entry(2, RevocationKind::kSession, "s1", kNow + 5'000));
  view->Apply(Entry(3, RevocationKind::kSession, "s1", kNow + 100));  // idempotent replay
  view->Expire(kNow + 1'000);
  EXPECT_TRUE(view->IsSessionEnded("s1"));
  view->Expire(kNow + 6'000);
  EXPECT_FALSE(view->IsSessionEnded("s1"));
}

TEST(RevocationViewTest, StatsCountMemory) {
  auto view = RevocationView::Create({});
  const auto empty = view->Stats().approx_bytes;
  for (int i = 0; i < 10'000; ++i) {
    view->Apply(Entry(i + 1, RevocationKind::kJti, Numbered("jti-", i), kNow + 900));
  }
  const auto stats = view->Stats();
  EXPECT_EQ(stats.denied_jtis, 10'000u);
  // At least the 16-byte digests are held, and not wildly more than ~64 bytes per entry.
  EXPECT_GE(stats.approx_bytes - empty, 10'000u * 16);
  EXPECT_LE(stats.approx_bytes - empty, 10'000u * 64 + 64 * 1024);
}

TEST(RevocationViewTest, ReadersSeeAppliedEntriesWhileWriterRuns) {
  Tokens t;
  auto view = RevocationView::Create({});
  const jose::Claims live = t.Make("7", "live-jti", "live-sid", 1);
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        if (!view->Check(live).ok()) wrong.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 50'000; ++i) {
    view->Apply(Entry(i + 1, RevocationKind::kJti, Numbered("j", i), kNow + i % 600));
    if (i % 5'000 == 0) view->Expire(kNow + i % 600);
  }
  stop.store(true);
  for (auto& th : readers) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_TRUE(view->IsJtiDenied("j49999"));
  EXPECT_EQ(view->applied_seq(), 50'000);
}

}  // namespace
}  // namespace jwtd::auth
