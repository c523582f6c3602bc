// The claims parser's two paths (src/jose/claims_parser.cc): the flat-object fast path must
// take ordinary access tokens and give exactly the strict Boost.JSON path's result; anything
// unusual must fall back. Also the offset-based Claims storage across copies and moves.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "jws_parse.h"
#include "jwtd/jose/claims.h"

namespace jwtd::jose {
namespace {

using Path = ClaimsBuilder::Path;

struct Parsed {
  Reason reason;
  bool used_fast = false;
  Claims claims;
};

Parsed Parse(const std::string& payload, Path path) {
  HeaderFields h;
  h.kid = "k1";
  h.typ = "at+jwt";
  Parsed p;
  p.reason = ClaimsBuilder::Build(h, Alg::kHS256, payload, &p.claims, path, &p.used_fast);
  return p;
}

void ExpectSame(const Claims& a, const Claims& b) {
  EXPECT_EQ(a.iss(), b.iss());
  EXPECT_EQ(a.sub(), b.sub());
  EXPECT_EQ(a.jti(), b.jti());
  EXPECT_EQ(a.sid(), b.sid());
  EXPECT_EQ(a.scope(), b.scope());
  EXPECT_EQ(std::vector<std::string_view>(a.aud().begin(), a.aud().end()),
            std::vector<std::string_view>(b.aud().begin(), b.aud().end()));
  EXPECT_EQ(a.exp(), b.exp());
  EXPECT_EQ(a.nbf(), b.nbf());
  EXPECT_EQ(a.iat(), b.iat());
  EXPECT_EQ(a.ver(), b.ver());
  EXPECT_EQ(ClaimsBuilder::OtherNames(a), ClaimsBuilder::OtherNames(b));
  EXPECT_EQ(a.json(), b.json());
}

const std::string kAccess =
    R"({"iss":"https://auth.example.test","sub":"user-123","aud":"api","exp":1700000900,)"
    R"("iat":1700000000,"nbf":1700000000,"jti":"Xo3kq9N1s2VbT5yPz8Lw0A",)"
    R"("sid":"Qm7Tn2Lr5Vx8Zc1Bd4Fg6H","ver":3,"scope":"read write","client_id":"web"})";

TEST(ClaimsParser, FastPathTakesAccessTokens) {
  for (const std::string& payload :
       {kAccess, std::string(R"( { "exp" : 0 , "aud" : [ ] , "f" : false , "n" : null } )"),
        std::string(
            R"({"exp":1,"n":123456789012345678,"aud":["a","b","c","d","e","f"],"t":true})")}) {
    Parsed fast = Parse(payload, Path::kAuto);
    Parsed strict = Parse(payload, Path::kStrictOnly);
    EXPECT_TRUE(fast.used_fast) << payload;
    EXPECT_EQ(fast.reason, Reason::kNone) << payload;
    EXPECT_EQ(strict.reason, Reason::kNone) << payload;
    ExpectSame(fast.claims, strict.claims);
  }
  Parsed p = Parse(kAccess, Path::kAuto);
  EXPECT_EQ(p.claims.iss(), "https://auth.example.test");
  EXPECT_EQ(p.claims.exp(), 1700000900);
  EXPECT_EQ(p.claims.ver(), 3);
  EXPECT_TRUE(p.claims.Has("client_id"));
  EXPECT_TRUE(p.claims.Has("scope"));
  EXPECT_FALSE(p.claims.Has("client"));
  EXPECT_FALSE(p.claims.Has("cnf"));
}

// Escapes, non-ASCII text, nesting, fractions, negative or long numbers, duplicates and
// syntax errors all go to the strict path, which alone decides.
TEST(ClaimsParser, UnusualInputFallsBackToTheStrictPath) {
  const std::pair<std::string, Reason> kCases[] = {
      {R"({"iss":"a\"b\u00e9","exp":1})", Reason::kNone},
      {R"({"sub":"Zoë","exp":1})", Reason::kNone},
      {R"({"exp":1,"cnf":{"jkt":"x"}})", Reason::kNone},
      {R"({"exp":1,"x":1.5})", Reason::kNone},
      {R"({"exp":1,"x":-1})", Reason::kNone},
      {R"({"exp":1,"x":1234567890123456789})", Reason::kNone},
      {R"({"exp":1,"aud":[["x"]]})", Reason::kMissingClaim},
      {R"({"exp":1,"exp":1})", Reason::kDuplicateMember},
      {R"({"exp":1,"a":1,"a":2})", Reason::kDuplicateMember},
      {R"({"exp":1,"exp":"x"})", Reason::kBadNumericDate},
      {R"({"exp":01})", Reason::kBadJson},
      {R"({"exp":1,})", Reason::kBadJson},
      {R"({"exp":1} x)", Reason::kBadJson},
      {R"({"iss":1,"exp":1})", Reason::kMissingClaim},
  };
  for (const auto& [payload, want] : kCases) {
    Parsed fast_only = Parse(payload, Path::kFastOnly);
    EXPECT_FALSE(fast_only.used_fast) << payload;
    Parsed automatic = Parse(payload, Path::kAuto);
    Parsed strict = Parse(payload, Path::kStrictOnly);
    EXPECT_EQ(automatic.reason, want) << payload;
    EXPECT_EQ(strict.reason, want) << payload;
    if (want == Reason::kNone) ExpectSame(automatic.claims, strict.claims);
  }
  Parsed escaped = Parse(R"({"iss":"a\"b\u00e9","exp":1,"k\u0065y":2})", Path::kAuto);
  EXPECT_EQ(escaped.claims.iss(), "a\"b\xC3\xA9");
  EXPECT_TRUE(escaped.claims.Has("key"));
}

// Claims hold offsets, not pointers: copies and moves (short payloads sit in the string's
// inline buffer, which moves with the object) keep every view right.
TEST(ClaimsParser, ViewsSurviveCopiesAndMoves) {
  for (const std::string& payload :
       {kAccess, std::string(R"({"exp":1,"iss":"i"})"),
        std::string(R"({"exp":1,"iss":"\u0069s","aud":["a","b","c","d","e"]})")}) {
    auto original = std::make_unique<Parsed>(Parse(payload, Path::kAuto));
    ASSERT_EQ(original->reason, Reason::kNone);
    Parsed reference = Parse(payload, Path::kStrictOnly);
    Claims copy = original->claims;
    Claims moved = std::move(original->claims);
    original.reset();
    ExpectSame(copy, reference.claims);
    ExpectSame(moved, reference.claims);
  }
}

}  // namespace
}  // namespace jwtd::jose
