#include "jwtd/jose/base64url.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace jwtd::jose {
namespace {

TEST(Base64Url, Rfc4648Vectors) {
  // RFC 4648 §10, without padding (RFC 7515 §2).
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(Base64UrlEncode(plain), encoded);
    std::string out = "junk";
    ASSERT_TRUE(Base64UrlDecode(encoded, &out)) << encoded;
    EXPECT_EQ(out, plain);
  }
}

TEST(Base64Url, UsesUrlSafeAlphabet) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  std::string out;
  ASSERT_TRUE(Base64UrlDecode("-_8", &out));
  EXPECT_EQ(out, "\xfb\xff");
}

TEST(Base64Url, RoundTripsRandomBytes) {
  std::mt19937 rng(42);
  for (std::size_t len = 0; len < 300; ++len) {
    std::string bytes(len, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    std::string enc = Base64UrlEncode(bytes);
    EXPECT_EQ(enc.size() % 4 == 1, false);
    std::string dec;
    ASSERT_TRUE(Base64UrlDecode(enc, &dec));
    EXPECT_EQ(dec, bytes);
    EXPECT_EQ(Base64UrlDecodedLength(enc.size()), len);
  }
}

TEST(Base64Url, AppendKeepsPrefix) {
  std::string out = "x.";
  Base64UrlEncodeAppend("foo", &out);
  EXPECT_EQ(out, "x.Zm9v");
}

TEST(Base64Url, RejectsNonStrictInput) {
  const char* kBad[] = {
      "Zg==",
      "Zg=",
      "Zm9v=",  // padding (RFC 7515 §2)
      "Zm9v\n",
      " Zm9v",
      "Zm 9v",
      "Zm9v\r\n",
      "Zm9\tv",  // whitespace
      "Zm9+",
      "Zm9/",
      "ab+/",  // standard-alphabet characters
      "Zh",
      "Zm9",
      "Zm9vYh",
      "Zm9vYmF",  // non-canonical trailing bits
      "Z",
      "Zm9vY",
      "Zm9vYmFyZ",  // length % 4 == 1
      "Zm9v\xc3\xa9",
      "Zm\0v",
      "Zm9v.",
  };
  for (const char* bad : kBad) {
    std::string out;
    EXPECT_FALSE(Base64UrlDecode(bad, &out)) << bad;
  }
  std::string out;
  EXPECT_FALSE(Base64UrlDecode(std::string_view("Zm\0v", 4), &out));
}

TEST(Base64Url, EveryTwoAndThreeCharTailIsCanonicalOrRejected) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (char a : alphabet) {
    for (char b : alphabet) {
      std::string two{a, b};
      std::string out;
      bool ok = Base64UrlDecode(two, &out);
      EXPECT_EQ(ok, (alphabet.find(b) & 15) == 0) << two;
      if (ok) {
        EXPECT_EQ(Base64UrlEncode(out), two);
      }
      for (char c : alphabet) {
        std::string three{a, b, c};
        bool ok3 = Base64UrlDecode(three, &out);
        EXPECT_EQ(ok3, (alphabet.find(c) & 3) == 0) << three;
        if (ok3) {
          EXPECT_EQ(Base64UrlEncode(out), three);
        }
      }
    }
  }
}

// Every byte value at every position of inputs long enough for the 16-character SIMD blocks
// (and their scalar tails): accepted exactly when all characters are in the URL-safe alphabet,
// and then decoded like the encoder's inverse.
TEST(Base64Url, EveryByteAtEveryPositionOfLongInputs) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::mt19937 rng(7);
  for (std::size_t len : {16u, 20u, 32u, 36u, 44u, 48u, 64u}) {
    std::string bytes(len / 4 * 3, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    const std::string good = Base64UrlEncode(bytes);
    ASSERT_EQ(good.size(), len);
    for (std::size_t pos = 0; pos < len; ++pos) {
      for (int v = 0; v < 256; ++v) {
        std::string text = good;
        text[pos] = static_cast<char>(v);
        std::string out;
        bool in_alphabet = alphabet.find(static_cast<char>(v)) != std::string::npos;
        ASSERT_EQ(Base64UrlDecode(text, &out), in_alphabet) << len << " " << pos << " " << v;
        if (in_alphabet) {
          ASSERT_EQ(Base64UrlEncode(out), text);
        }
      }
    }
  }
}

}  // namespace
}  // namespace jwtd::jose
