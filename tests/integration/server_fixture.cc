#include "server_fixture.h"

#include <boost/json.hpp>

namespace jwtd::testing {
namespace {

std::string Base64UrlDecode(std::string in) {
  for (char& c : in) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (in.size() % 4) in += '=';
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int bits = 0, value = 0;
  for (char c : in) {
    if (c == '=') break;
    value = (value << 6) | static_cast<int>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xff);
    }
  }
  return out;
}

boost::json::object Segment(const std::string& token, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  std::size_t end = token.find('.', start);
  return boost::json::parse(Base64UrlDecode(token.substr(start, end - start))).as_object();
}

std::string AsText(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

}  // namespace

void ServerTest::StartServer(std::vector<std::string> extra) {
  server_ = std::make_unique<JwtdServer>(data_dir_, std::move(extra));
}

void ServerTest::Register(const std::string& user, const std::string& password) {
  HttpResponse r = client().PostJson("/v1/users", {{"username", user}, {"password", password}});
  ASSERT_EQ(r.status, 201) << r.body;
}

Tokens ServerTest::Login(const std::string& user, const std::string& password) {
  HttpResponse r = client().PostJson("/v1/login", {{"username", user}, {"password", password}});
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return {};
  auto body = r.Json().as_object();
  return {std::string(body.at("access_token").as_string()),
          std::string(body.at("refresh_token").as_string())};
}

HttpResponse ServerTest::Refresh(const std::string& refresh_token) const {
  return client().PostForm("/oauth/token",
                           "grant_type=refresh_token&refresh_token=" + refresh_token);
}

int ServerTest::MeStatus(const std::string& access) const {
  return client().Get("/v1/me", access).status;
}

std::string ServerTest::ClaimOf(const std::string& access, const std::string& claim) {
  auto claims = Segment(access, 1);
  return claims.contains(claim) ? AsText(claims.at(claim)) : std::string();
}

std::string ServerTest::KidOf(const std::string& access) {
  return AsText(Segment(access, 0).at("kid"));
}

}  // namespace jwtd::testing
