// VerifiedTokenCache with real signed tokens and their verified claims.
#include "auth/verified_token_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "jwtd/jose/jwks.h"
#include "jwtd/jose/signer.h"
#include "jwtd/jose/verifier.h"

namespace jwtd::auth {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

// prefix + i, built by append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
std::string Numbered(std::string_view prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

class CacheTest : public ::testing::Test {
 protected:
  CacheTest() : clock_(kNow) {
    std::shared_ptr<const jose::Key> key =
        std::move(*jose::Key::FromSecret(std::string(32, 'k'), jose::Alg::kHS256, "k1"));
    signer_ = std::move(*jose::Signer::Create(key));
    verifier_ = std::move(*jose::Verifier::Create(*jose::KeySet::Of({key}), {}, &clock_));
  }

  struct Verified {
    std::string token;
    std::shared_ptr<const jose::Claims> claims;
  };

  Verified Mint(const std::string& jti, std::int64_t exp = kNow + 900) {
    auto token =
        signer_->Sign(R"({"sub":"1","jti":")" + jti + R"(","exp":)" + std::to_string(exp) + "}");
    EXPECT_TRUE(token.ok());
    auto claims = verifier_->VerifySignature(*token);
    EXPECT_TRUE(claims.ok());
    return {*token, std::make_shared<const jose::Claims>(std::move(*claims))};
  }

  ManualClock clock_;
  std::unique_ptr<jose::Signer> signer_;
  std::unique_ptr<jose::Verifier> verifier_;
};

TEST_F(CacheTest, HitReturnsTheCachedClaimsForExactlyThatToken) {
  VerifiedTokenCache cache(100, &clock_);
  const Verified a = Mint("a");
  EXPECT_EQ(cache.Find(a.token), nullptr);
  cache.Insert(a.token, a.claims);
  EXPECT_EQ(cache.Find(a.token), a.claims);
  EXPECT_EQ(cache.Find(a.token)->jti(), "a");
  EXPECT_EQ(cache.size(), 1u);
  // Any other byte string misses: the signature segment altered, a prefix, another token.
  std::string altered = a.token;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(cache.Find(altered), nullptr);
  EXPECT_EQ(cache.Find(a.token.substr(0, a.token.size() - 1)), nullptr);
  EXPECT_EQ(cache.Find(Mint("b").token), nullptr);
}

TEST_F(CacheTest, ZeroCapacityDisablesTheCache) {
  VerifiedTokenCache cache(0, &clock_);
  const Verified a = Mint("a");
  cache.Insert(a.token, a.claims);
  EXPECT_EQ(cache.Find(a.token), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(CacheTest, EntriesDieAtTheTokenExp) {
  VerifiedTokenCache cache(100, &clock_);
  const Verified a = Mint("a", kNow + 60);
  cache.Insert(a.token, a.claims);
  clock_.Set(kNow + 59);
  EXPECT_NE(cache.Find(a.token), nullptr);
  clock_.Set(kNow + 60);
  EXPECT_EQ(cache.Find(a.token), nullptr);
  // An already expired token is not cached at all.
  const Verified old = Mint("old", kNow + 30);
  cache.Insert(old.token, old.claims);
  EXPECT_EQ(cache.Find(old.token), nullptr);
}

TEST_F(CacheTest, StaysWithinCapacity) {
  VerifiedTokenCache cache(64, &clock_);
  std::vector<Verified> all;
  for (int i = 0; i < 1'000; ++i) {
    all.push_back(Mint(Numbered("t", i)));
    cache.Insert(all.back().token, all.back().claims);
    ASSERT_LE(cache.size(), 64u);
  }
  EXPECT_GE(cache.size(), 48u);  // the shards fill up, not just one
  std::size_t hits = 0;
  for (const auto& v : all) hits += cache.Find(v.token) != nullptr;
  EXPECT_EQ(hits, cache.size());
}

TEST_F(CacheTest, HotEntrySurvivesEvictionSecondChance) {
  // 16 slots per shard; the hot token is found between inserts, so CLOCK always skips it.
  // (Random eviction would drop it with probability ~1 - (15/16)^300.)
  VerifiedTokenCache cache(256, &clock_);
  const Verified hot = Mint("hot");
  cache.Insert(hot.token, hot.claims);
  for (int i = 0; i < 5'000; ++i) {
    ASSERT_NE(cache.Find(hot.token), nullptr) << "evicted after " << i << " inserts";
    const Verified cold = Mint(Numbered("cold", i));
    cache.Insert(cold.token, cold.claims);
  }
  EXPECT_NE(cache.Find(hot.token), nullptr);
}

TEST_F(CacheTest, ClearDropsEverything) {
  VerifiedTokenCache cache(100, &clock_);
  const Verified a = Mint("a");
  cache.Insert(a.token, a.claims);
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.Find(a.token), nullptr);
  cache.Insert(a.token, a.claims);  // usable again after Clear
  EXPECT_EQ(cache.Find(a.token), a.claims);
}

TEST_F(CacheTest, ConcurrentInsertAndFindStayConsistent) {
  VerifiedTokenCache cache(128, &clock_);
  std::vector<Verified> tokens;
  for (int i = 0; i < 400; ++i) tokens.push_back(Mint(Numbered("c", i)));
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (std::size_t i = t; i < tokens.size(); i += 2) {
          cache.Insert(tokens[i].token, tokens[i].claims);
          auto hit = cache.Find(tokens[(i * 7) % tokens.size()].token);
          if (hit != nullptr && hit != tokens[(i * 7) % tokens.size()].claims) wrong.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.size(), 128u);
}

}  // namespace
}  // namespace jwtd::auth
