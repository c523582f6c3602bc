// jwtd::http::AddressFilter — "is this client address in one of these CIDR blocks?", for the
// /metrics allow list. IPv4 and IPv6; an IPv4-mapped IPv6 peer (::ffff:a.b.c.d) matches IPv4
// blocks. Immutable after Create; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/result.h"

namespace jwtd::http {

class AddressFilter {
 public:
  // kInvalidArgument naming the entry that is not "address/prefix" or a bare address.
  static Result<AddressFilter> Create(const std::vector<std::string>& cidrs);
  bool Allows(std::string_view address) const;

 private:
  struct Block {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 as ::ffff:a.b.c.d
    int prefix = 128;                      // in the 128-bit space
  };
  std::vector<Block> blocks_;
};

}  // namespace jwtd::http
