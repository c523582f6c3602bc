#include "http/cookies.h"

#include <string>

#include "http/request.h"
#include "jwtd/compare.h"

namespace jwtd::http {
namespace {

// RFC 9110 §5.6.2 tchar.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// RFC 6265 §4.1.1 cookie-octet: visible US-ASCII except DQUOTE, comma, semicolon, backslash.
bool IsCookieOctet(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == 0x21 || (u >= 0x23 && u <= 0x2B) || (u >= 0x2D && u <= 0x3A) ||
         (u >= 0x3C && u <= 0x5B) || (u >= 0x5D && u <= 0x7E);
}

std::optional<Cookie> ParsePair(std::string_view pair) {
  pair = TrimOws(pair);
  const auto eq = pair.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  const auto name = pair.substr(0, eq);
  auto value = pair.substr(eq + 1);
  for (char c : name) {
    if (!IsTokenChar(c)) return std::nullopt;
  }
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  for (char c : value) {
    if (!IsCookieOctet(c)) return std::nullopt;
  }
  return Cookie{std::string(name), std::string(value)};
}

bool HasSecurePrefix(std::string_view name) {
  const auto starts = [name](std::string_view prefix) {
    return name.size() >= prefix.size() &&
           EqualsIgnoreCaseAscii(name.substr(0, prefix.size()), prefix);
  };
  return starts("__Host-") || starts("__Secure-");
}

}  // namespace

std::vector<Cookie> ParseCookieHeader(std::string_view header) {
  std::vector<Cookie> out;
  while (!header.empty()) {
    const auto semi = header.find(';');
    if (auto c = ParsePair(header.substr(0, semi))) out.push_back(std::move(*c));
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return out;
}

CookieLookup FindCookie(const std::vector<Cookie>& cookies, std::string_view name) {
  CookieLookup found;
  for (const auto& c : cookies) {
    if (c.name != name) continue;
    if (found.state == CookieState::kPresent) return {CookieState::kAmbiguous, {}};
    found = {CookieState::kPresent, c.value};
  }
  return found;
}

std::string BuildSetCookie(std::string_view name, std::string_view value,
                           const SetCookieOptions& options) {
  std::string out;
  out.reserve(name.size() + value.size() + 80);
  out.append(name).append("=").append(options.clear ? std::string_view() : value);
  out.append("; Path=/; Max-Age=");
  out.append(std::to_string(options.clear ? 0 : options.max_age_seconds));
  if (options.http_only) out.append("; HttpOnly");
  if (options.secure || HasSecurePrefix(name)) out.append("; Secure");
  out.append("; SameSite=Strict");
  return out;
}

}  // namespace jwtd::http
