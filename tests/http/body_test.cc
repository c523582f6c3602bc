#include "http/body.h"

#include <gtest/gtest.h>

#include "http/error_mapping.h"

namespace jwtd::http {
namespace {

Request Post(std::string content_type, std::string body) {
  Request r;
  r.method = "POST";
  r.path = "/x";
  if (!content_type.empty()) r.headers.push_back({"content-type", std::move(content_type)});
  r.body = std::move(body);
  return r;
}

TEST(BodyTest, JsonFieldsAndTypes) {
  auto b = ParseJsonObject(R"({"username":"ann","cookie":true,"n":3,"z":null,"a":[1]})");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(**b->String("username"), "ann");
  EXPECT_EQ(**b->Bool("cookie"), true);
  EXPECT_FALSE(b->String("z")->has_value());  // null reads as absent
  EXPECT_FALSE(b->String("missing")->has_value());
  const auto wrong = b->String("n");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message(), "field 'n' must be a string");
  EXPECT_FALSE(b->Bool("username").ok());
  EXPECT_FALSE(b->String("a").ok());
  EXPECT_FALSE(b->Bool("n").ok());
}

TEST(BodyTest, RequiredString) {
  auto b = ParseJsonObject(R"({"u":"","p":"x"})");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b->RequiredString("p"), "x");
  EXPECT_EQ(b->RequiredString("u").error().message(), "missing field 'u'");
  EXPECT_EQ(b->RequiredString("nope").error().message(), "missing field 'nope'");
}

TEST(BodyTest, MalformedJsonIsRejected) {
  for (const char* text : {"", "{", "[]", "\"str\"", "42", "{\"a\":}", "{\"a\":1,}", "nul",
                           "{\"a\":\"\xff\"}", "{\"a\":1} trailing"}) {
    auto b = ParseJsonObject(text);
    EXPECT_FALSE(b.ok()) << text;
    if (!b.ok()) {
      EXPECT_EQ(b.error().code(), Code::kInvalidArgument);
    }
  }
}

TEST(BodyTest, DeepNestingIsRejected) {
  std::string deep = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_FALSE(ParseJsonObject(deep).ok());
}

TEST(BodyTest, FormDecodesAndRefusesRepeats) {
  auto b = ParseForm("grant_type=refresh_token&refresh_token=a%2Bb+c&empty=&flag");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->from_form());
  EXPECT_EQ(**b->String("grant_type"), "refresh_token");
  EXPECT_EQ(**b->String("refresh_token"), "a+b c");
  EXPECT_EQ(**b->String("empty"), "");
  EXPECT_TRUE(b->Has("flag"));
  auto repeated = ParseForm("token=a&token=b");
  ASSERT_FALSE(repeated.ok());
  EXPECT_EQ(repeated.error().message(), "parameter 'token' repeated");
  EXPECT_FALSE(ParseForm("a=%zz").ok());
}

TEST(BodyTest, FormBooleans) {
  auto b = ParseForm("x=true&y=false&z=yes");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(**b->Bool("x"), true);
  EXPECT_EQ(**b->Bool("y"), false);
  EXPECT_FALSE(b->Bool("z").ok());
}

TEST(BodyTest, MediaTypes) {
  EXPECT_EQ(MediaType("Application/JSON; charset=utf-8"), "application/json");
  EXPECT_TRUE(ParseBody(Post("application/json; charset=UTF-8", "{}"), BodyFormats::kJson).ok());
  EXPECT_TRUE(ParseBody(Post("", ""), BodyFormats::kJson).ok());  // empty body: no fields
  auto form_on_json =
      ParseBody(Post("application/x-www-form-urlencoded", "a=b"), BodyFormats::kJson);
  ASSERT_FALSE(form_on_json.ok());
  EXPECT_TRUE(IsUnsupportedMediaType(form_on_json.error()));
  EXPECT_EQ(BadInput(form_on_json.error()).status, 415);
  auto text = ParseBody(Post("text/plain", "{}"), BodyFormats::kJsonOrForm);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(BadInput(text.error()).status, 415);
  auto missing = ParseBody(Post("", "{}"), BodyFormats::kJson);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(BadInput(missing.error()).status, 415);
  auto form = ParseBody(Post("application/x-www-form-urlencoded", "a=b"), BodyFormats::kJsonOrForm);
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(**form->String("a"), "b");
}

TEST(BodyTest, BadJsonMapsTo400) {
  auto b = ParseBody(Post("application/json", "{nope"), BodyFormats::kJson);
  ASSERT_FALSE(b.ok());
  Response r = BadInput(b.error());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("\"invalid_request\""), std::string::npos);
  EXPECT_NE(r.body.find("malformed JSON body"), std::string::npos);
}

}  // namespace
}  // namespace jwtd::http
