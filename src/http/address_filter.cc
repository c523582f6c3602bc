#include "http/address_filter.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <optional>

namespace jwtd::http {
namespace {

// Parses an IPv4 or IPv6 literal into the 128-bit space (IPv4 mapped, RFC 4291 §2.5.5.2).
// `is_v4` tells which it was.
std::optional<std::array<std::uint8_t, 16>> ParseAddress(std::string_view text, bool* is_v4) {
  const std::string s(text);
  std::array<std::uint8_t, 16> out{};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    *is_v4 = true;
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    *is_v4 = false;
    return out;
  }
  return std::nullopt;
}

bool PrefixMatches(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                   int prefix) {
  for (int i = 0; i < 16 && prefix > 0; ++i, prefix -= 8) {
    const int bits = prefix >= 8 ? 8 : prefix;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((a[static_cast<std::size_t>(i)] & mask) != (b[static_cast<std::size_t>(i)] & mask)) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<AddressFilter> AddressFilter::Create(const std::vector<std::string>& cidrs) {
  AddressFilter filter;
  for (const auto& entry : cidrs) {
    const auto slash = entry.find('/');
    bool is_v4 = false;
    auto addr = ParseAddress(std::string_view(entry).substr(0, slash), &is_v4);
    Block block;
    block.prefix = 128;
    bool ok = addr.has_value();
    if (ok && slash != std::string::npos) {
      int p = -1;
      const char* first = entry.data() + slash + 1;
      const char* last = entry.data() + entry.size();
      const auto [ptr, ec] = std::from_chars(first, last, p);
      ok = ec == std::errc() && ptr == last && p >= 0 && p <= (is_v4 ? 32 : 128);
      block.prefix = is_v4 ? p + 96 : p;
    }
    if (!ok) {
      return Error(Code::kInvalidArgument, Reason::kBadRequest,
                   "not an address or CIDR block: " + entry);
    }
    block.bytes = *addr;
    filter.blocks_.push_back(block);
  }
  return filter;
}

bool AddressFilter::Allows(std::string_view address) const {
  bool is_v4 = false;
  const auto addr = ParseAddress(address, &is_v4);
  if (!addr) return false;
  for (const auto& b : blocks_) {
    if (PrefixMatches(*addr, b.bytes, b.prefix)) return true;
  }
  return false;
}

}  // namespace jwtd::http
