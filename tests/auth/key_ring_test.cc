// KeyRing over real key files in temp directories, with a manual clock.
#include "jwtd/auth/key_ring.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "jwtd/clock.h"

namespace jwtd::auth {
namespace {

namespace fs = std::filesystem;
constexpr std::int64_t kT0 = 1'700'000'000;

class KeyRingTest : public ::testing::Test {
 protected:
  KeyRingTest() : clock_(kT0) {
    std::string tmpl = (fs::temp_directory_path() / "jwtd-keyring-XXXXXX").string();
    root_ = mkdtemp(tmpl.data());
    options_.directory = root_ + "/keys";
    options_.rotate_every_seconds = 1'000;
    options_.publish_ahead_seconds = 100;
    options_.retire_after_seconds = 300;
    options_.verify.issuer = "https://issuer.test";
    options_.verify.audiences = {"jwtd"};
  }
  ~KeyRingTest() override { fs::remove_all(root_); }

  std::unique_ptr<KeyRing> Open() {
    auto ring = KeyRing::Open(options_, &clock_);
    EXPECT_TRUE(ring.ok()) << ring.error().message();
    return std::move(*ring);
  }

  // A token from the ring's current signer, valid until `exp`.
  static std::string Sign(const KeyRing& ring, std::int64_t exp) {
    auto token = ring.signer()->Sign(R"({"iss":"https://issuer.test","aud":"jwtd","sub":"1",)"
                                     R"("exp":)" +
                                     std::to_string(exp) + "}");
    EXPECT_TRUE(token.ok());
    return *token;
  }

  static Reason VerifyReason(const KeyRing& ring, const std::string& token) {
    auto claims = ring.verifier()->Verify(token);
    return claims.ok() ? Reason::kNone : claims.error().reason();
  }

  static std::string ActiveKid(const KeyRing& ring) { return ring.signer()->key().kid(); }

  std::string KeyFile(const std::string& kid, const char* ext = ".pem") const {
    return options_.directory + "/" + kid + ext;
  }

  static unsigned Mode(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
  }

  ManualClock clock_;
  std::string root_;
  KeyRingOptions options_;
};

TEST_F(KeyRingTest, FirstOpenCreatesOnePrivateActiveKey) {
  auto ring = Open();
  const auto keys = ring->List();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].state, KeyState::kActive);
  EXPECT_EQ(keys[0].alg, jose::Alg::kES256);
  EXPECT_EQ(keys[0].kid, ActiveKid(*ring));
  EXPECT_EQ(Mode(options_.directory), 0700u);
  EXPECT_EQ(Mode(KeyFile(keys[0].kid)), 0600u);
  EXPECT_EQ(Mode(options_.directory + "/keys.json"), 0600u);
  EXPECT_EQ(VerifyReason(*ring, Sign(*ring, kT0 + 600)), Reason::kNone);
  // A second open sees the same key instead of making another.
  auto again = Open();
  EXPECT_EQ(ActiveKid(*again), keys[0].kid);
  EXPECT_EQ(again->List().size(), 1u);
}

TEST_F(KeyRingTest, GroupOrWorldReadableKeyFileIsRefused) {
  const std::string kid = ActiveKid(*Open());
  ASSERT_EQ(::chmod(KeyFile(kid).c_str(), 0644), 0);
  auto ring = KeyRing::Open(options_, &clock_);
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.error().code(), Code::kInvalidArgument);
  EXPECT_NE(ring.error().message().find(KeyFile(kid)), std::string::npos);
  EXPECT_NE(ring.error().message().find("chmod 600"), std::string::npos);
  EXPECT_EQ(ring.error().message().find("PRIVATE"), std::string::npos);  // no key material
}

TEST_F(KeyRingTest, CorruptManifestIsAClearError) {
  Open();
  std::ofstream(options_.directory + "/keys.json", std::ios::trunc) << "{\"version\":1,\"keys\":[";
  auto ring = KeyRing::Open(options_, &clock_);
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.error().code(), Code::kInvalidArgument);
  EXPECT_NE(ring.error().message().find("keys.json"), std::string::npos);
}

TEST_F(KeyRingTest, FullRotationTimeline) {
  auto ring = Open();
  const std::string a = ActiveKid(*ring);
  const std::string token_a = Sign(*ring, kT0 + 5'000);

  clock_.Set(kT0 + 899);  // rotation at +1000, published 100 s ahead
  EXPECT_FALSE(*ring->Tick());
  clock_.Set(kT0 + 900);
  EXPECT_TRUE(*ring->Tick());
  const auto keys = ring->List();
  ASSERT_EQ(keys.size(), 2u);
  const std::string b = keys[1].kid;
  EXPECT_EQ(keys[1].state, KeyState::kNext);
  EXPECT_NE(ring->public_jwks()->find(b), std::string::npos);  // in the JWKS before it signs
  EXPECT_EQ(ActiveKid(*ring), a);

  clock_.Set(kT0 + 1'000);
  EXPECT_TRUE(*ring->Tick());
  EXPECT_EQ(ActiveKid(*ring), b);
  EXPECT_EQ(VerifyReason(*ring, token_a), Reason::kNone);  // retiring still verifies
  EXPECT_EQ(VerifyReason(*ring, Sign(*ring, kT0 + 1'600)), Reason::kNone);

  clock_.Set(kT0 + 1'299);
  EXPECT_FALSE(*ring->Tick());
  EXPECT_EQ(VerifyReason(*ring, token_a), Reason::kNone);
  clock_.Set(kT0 + 1'300);
  EXPECT_TRUE(*ring->Tick());
  EXPECT_EQ(VerifyReason(*ring, token_a), Reason::kUnknownKid);
  EXPECT_EQ(ring->public_jwks()->find(a), std::string::npos);
  EXPECT_FALSE(fs::exists(KeyFile(a)));
  EXPECT_EQ(ring->List().size(), 1u);
}

TEST_F(KeyRingTest, RotateForcesTheNextKeyNow) {
  auto ring = Open();
  const std::string a = ActiveKid(*ring);
  const std::string token_a = Sign(*ring, kT0 + 600);
  auto info = ring->Rotate();
  ASSERT_TRUE(info.ok());
  EXPECT_NE(info->kid, a);
  EXPECT_EQ(info->state, KeyState::kActive);
  EXPECT_EQ(ActiveKid(*ring), info->kid);
  EXPECT_EQ(VerifyReason(*ring, token_a), Reason::kNone);
  const auto keys = ring->List();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].state, KeyState::kRetiring);
  EXPECT_EQ(keys[0].removes_at, kT0 + 300);
}

TEST_F(KeyRingTest, RevokeDropsAKeyAtOnce) {
  auto ring = Open();
  const std::string a = ActiveKid(*ring);
  const std::string token_a = Sign(*ring, kT0 + 600);
  auto only = ring->Revoke(a);
  ASSERT_FALSE(only.ok());
  EXPECT_EQ(only.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(ring->Revoke("no-such-kid").error().code(), Code::kNotFound);

  ASSERT_TRUE(ring->Rotate().ok());
  EXPECT_EQ(VerifyReason(*ring, token_a), Reason::kNone);
  ASSERT_TRUE(ring->Revoke(a).ok());
  EXPECT_EQ(VerifyReason(*ring, token_a), Reason::kUnknownKid);
  EXPECT_EQ(ring->public_jwks()->find(a), std::string::npos);
  EXPECT_FALSE(fs::exists(KeyFile(a)));
  EXPECT_EQ(ring->List()[0].state, KeyState::kRevoked);
  EXPECT_TRUE(ring->Revoke(a).ok());  // idempotent
}

TEST_F(KeyRingTest, RevokingTheSignerPromotesAPublishedNextKey) {
  auto ring = Open();
  const std::string a = ActiveKid(*ring);
  clock_.Set(kT0 + 950);
  ASSERT_TRUE(*ring->Tick());  // next key published
  const std::string b = ring->List()[1].kid;
  ASSERT_TRUE(ring->Revoke(a).ok());
  EXPECT_EQ(ActiveKid(*ring), b);
  EXPECT_EQ(VerifyReason(*ring, Sign(*ring, kT0 + 1'500)), Reason::kNone);
}

TEST_F(KeyRingTest, ReloadSeesAnotherInstancesRotation) {
  auto server = Open();
  auto cli = Open();
  EXPECT_FALSE(*server->Reload());
  auto rotated = cli->Rotate();
  ASSERT_TRUE(rotated.ok());
  EXPECT_TRUE(*server->Reload());
  EXPECT_EQ(ActiveKid(*server), rotated->kid);
  EXPECT_EQ(VerifyReason(*server, Sign(*cli, kT0 + 600)), Reason::kNone);
  EXPECT_FALSE(*server->Reload());
}

// A verifier's ring only reads: it creates no key, applies no policy, refuses to rotate or
// revoke, and follows the writer's changes.
TEST_F(KeyRingTest, ReadOnlyRingReadsAndNeverWrites) {
  KeyRingOptions read_only = options_;
  read_only.read_only = true;
  auto empty = KeyRing::Open(read_only, &clock_);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message().find("no usable key"), std::string::npos);
  EXPECT_FALSE(fs::exists(options_.directory + "/keys.json"));

  auto writer = Open();
  auto reader = KeyRing::Open(read_only, &clock_);
  ASSERT_TRUE(reader.ok()) << reader.error().message();
  EXPECT_EQ((*reader)->List().size(), writer->List().size());
  EXPECT_EQ(VerifyReason(**reader, Sign(*writer, kT0 + 600)), Reason::kNone);
  EXPECT_EQ((*reader)->Rotate().error().code(), Code::kPermissionDenied);
  EXPECT_EQ((*reader)->Revoke(ActiveKid(*writer)).error().code(), Code::kPermissionDenied);
  // Past the rotation period a writer's Tick would create the next key; the reader's does not.
  const auto files = [&] {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(options_.directory)) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  };
  const auto before = files();
  clock_.Advance(5'000);
  ASSERT_TRUE((*reader)->Tick().ok());
  EXPECT_EQ(files(), before);
  // The writer's rotation reaches the reader by reload.
  auto rotated = writer->Rotate();
  ASSERT_TRUE(rotated.ok());
  EXPECT_TRUE(*(*reader)->Tick());
  EXPECT_EQ(VerifyReason(**reader, Sign(*writer, kT0 + 5'600)), Reason::kNone);
}

TEST_F(KeyRingTest, JwksNeverHoldsPrivateParts) {
  auto ring = Open();
  ASSERT_TRUE(ring->Rotate().ok());
  const std::string jwks = *ring->public_jwks();
  EXPECT_NE(jwks.find("\"kty\":\"EC\""), std::string::npos);
  EXPECT_EQ(jwks.find("\"d\""), std::string::npos);

  options_.directory = root_ + "/hmac";
  options_.alg = jose::Alg::kHS256;
  auto hmac = Open();
  EXPECT_EQ(Mode(KeyFile(ActiveKid(*hmac), ".jwk")), 0600u);
  EXPECT_EQ(hmac->public_jwks()->find("\"k\""), std::string::npos);
  EXPECT_EQ(hmac->public_jwks()->find(ActiveKid(*hmac)), std::string::npos);
  EXPECT_EQ(VerifyReason(*hmac, Sign(*hmac, kT0 + 600)), Reason::kNone);
}

}  // namespace
}  // namespace jwtd::auth
