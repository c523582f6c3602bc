#include "http/csrf.h"

#include "jwtd/compare.h"
#include "jwtd/random.h"

namespace jwtd::http {

bool CsrfCheckPasses(std::string_view cookie_value, std::string_view header_value) {
  if (cookie_value.empty() || header_value.empty()) return false;
  return ConstantTimeEquals(cookie_value, header_value);
}

std::string NewCsrfToken() { return RandomToken(32); }

}  // namespace jwtd::http
