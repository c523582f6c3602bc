#include "jwtd/jose/claims.h"

#include "claim_bit.h"

namespace jwtd::jose {

void Claims::SpanList::push_back(Span s) {
  if (n_ < kInline) {
    inline_[n_++] = s;
    return;
  }
  if (n_ == kInline) heap_.assign(inline_.begin(), inline_.end());
  heap_.push_back(s);
  ++n_;
}

bool Claims::Has(std::string_view name) const {
  if (std::uint16_t bit = ClaimBit(name); bit != 0) return (present_ & bit) != 0;
  for (std::size_t i = 0; i < other_names_.size(); ++i) {
    if (View(other_names_[i]) == name) return true;
  }
  return false;
}

}  // namespace jwtd::jose
