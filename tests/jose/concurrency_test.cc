// One Verifier and one Signer shared by many threads; per-thread OpenSSL contexts and the
// bounded per-thread cache (more keys than cache slots, keys destroyed while cached).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "test_util.h"

namespace jwtd::jose {
namespace {

TEST(Concurrency, SharedVerifierAcrossThreads) {
  std::vector<std::shared_ptr<const Key>> keys;
  for (Alg alg : {Alg::kHS256, Alg::kES256, Alg::kEdDSA, Alg::kPS256}) {
    keys.push_back(testing::MustGenerate(alg, std::string(AlgName(alg))));
  }
  std::vector<std::string> tokens;
  for (const auto& k : keys) {
    auto signer = Signer::Create(k);
    ASSERT_TRUE(signer.ok());
    tokens.push_back(*(*signer)->Sign(testing::GoodClaims()));
  }
  testing::VerifierFixture f;
  auto verifier = f.Make(testing::SetOf(keys));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string& token = tokens[static_cast<std::size_t>(i + t) % tokens.size()];
        if (!verifier->Verify(token).ok()) failures.fetch_add(1);
        std::string bad = token;
        bad[bad.size() - 5] = bad[bad.size() - 5] == 'A' ? 'B' : 'A';
        if (verifier->Verify(bad).ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(Concurrency, MoreKeysThanCacheSlotsAndKeyTurnover) {
  testing::VerifierFixture f;
  for (int round = 0; round < 3; ++round) {
    std::vector<std::shared_ptr<const Key>> keys;
    std::vector<std::string> tokens;
    for (int i = 0; i < 20; ++i) {
      std::string kid = "k";
      kid += std::to_string(i);  // (not "k" + ...: GCC 12 -Wrestrict false positive)
      keys.push_back(testing::MustGenerate(i % 2 ? Alg::kHS256 : Alg::kEdDSA, kid));
      tokens.push_back(
          testing::MustSign(*keys.back(), testing::HeaderFor(*keys.back()), testing::GoodClaims()));
    }
    auto verifier = f.Make(testing::SetOf(keys));
    for (int pass = 0; pass < 3; ++pass) {
      for (const auto& token : tokens) EXPECT_TRUE(verifier->Verify(token).ok());
    }
  }  // keys destroyed while this thread's cache still holds contexts for some of them
}

}  // namespace
}  // namespace jwtd::jose
