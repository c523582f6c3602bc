// One parser for user ids (jwtd/auth/user_id.h) and one pair of byte comparisons
// (jwtd/compare.h), shared by every layer so that no two readers disagree.
#include "jwtd/auth/user_id.h"

#include <gtest/gtest.h>

#include "jwtd/compare.h"

namespace jwtd::auth {
namespace {

TEST(UserIdTest, AcceptsCanonicalPositiveDecimalsOnly) {
  EXPECT_EQ(ParseUserId("1"), 1);
  EXPECT_EQ(ParseUserId("42"), 42);
  EXPECT_EQ(ParseUserId("9223372036854775807"), INT64_MAX);
  for (const char* bad : {"", "0", "007", "+7", "-7", " 7", "7 ", "7x", "0x10", "1e3",
                          "9223372036854775808", "12345678901234567890"}) {
    EXPECT_EQ(ParseUserId(bad), std::nullopt) << bad;
  }
}

TEST(CompareTest, ConstantTimeEqualsComparesBytesAndLengths) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  EXPECT_FALSE(ConstantTimeEquals("same", "Same"));
  EXPECT_FALSE(ConstantTimeEquals("same", "samex"));
}

TEST(CompareTest, EqualsIgnoreCaseFoldsAsciiLettersOnly) {
  EXPECT_TRUE(EqualsIgnoreCaseAscii("Bearer", "bEARER"));
  EXPECT_TRUE(EqualsIgnoreCaseAscii("", ""));
  EXPECT_FALSE(EqualsIgnoreCaseAscii("Bearer", "Bearer "));
  // Only A-Z fold: '[' (0x5B) is not '{' (0x7B), and bytes above 0x7F compare as they are.
  EXPECT_FALSE(EqualsIgnoreCaseAscii("[", "{"));
  EXPECT_FALSE(EqualsIgnoreCaseAscii("\xC4", "\xE4"));
  EXPECT_EQ(ToLowerAscii('Q'), 'q');
  EXPECT_EQ(ToLowerAscii('@'), '@');
}

}  // namespace
}  // namespace jwtd::auth
