#include "jwtd/jose/claims.h"

#include <algorithm>

namespace jwtd::jose {

bool Claims::Has(std::string_view name) const {
  return std::find(present_.begin(), present_.end(), name) != present_.end();
}

}  // namespace jwtd::jose
