#include "http/csrf.h"

#include "jwtd/random.h"

namespace jwtd::http {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // volatile keeps the compiler from turning the loop into an early-exit memcmp.
  volatile unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(
        diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

bool CsrfCheckPasses(std::string_view cookie_value, std::string_view header_value) {
  if (cookie_value.empty() || header_value.empty()) return false;
  return ConstantTimeEquals(cookie_value, header_value);
}

std::string NewCsrfToken() { return RandomToken(32); }

}  // namespace jwtd::http
