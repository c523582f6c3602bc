#include "jwtd/jose/base64url.h"

#include <array>
#include <cstdint>

namespace jwtd::jose {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::uint8_t kInvalid = 0x80;

// Sextet of every byte; kInvalid for anything outside the URL-safe alphabet, '=' and
// whitespace included (RFC 7515 §2: no padding, no line breaks, no other characters).
constexpr std::array<std::uint8_t, 256> MakeDecodeTable() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (std::uint8_t i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = i;
  return t;
}
constexpr std::array<std::uint8_t, 256> kDecode = MakeDecodeTable();

// kGroup[k][c]: character c in position k of a 4-character group, already shifted into place
// within the 24-bit group value; kBadBit (bit 24) marks characters outside the alphabet.
constexpr std::uint32_t kBadBit = 1u << 24;
constexpr std::array<std::array<std::uint32_t, 256>, 4> MakeGroupTables() {
  std::array<std::array<std::uint32_t, 256>, 4> t{};
  for (int k = 0; k < 4; ++k) {
    for (int c = 0; c < 256; ++c) {
      std::uint32_t v = kDecode[static_cast<std::size_t>(c)];
      t[static_cast<std::size_t>(k)][static_cast<std::size_t>(c)] =
          v == kInvalid ? kBadBit : v << (18 - 6 * k);
    }
  }
  return t;
}
constexpr std::array<std::array<std::uint32_t, 256>, 4> kGroup = MakeGroupTables();

inline std::uint32_t Sextet(const char* p, std::size_t i) {
  return kDecode[static_cast<unsigned char>(p[i])];
}

inline std::uint32_t At(int k, const char* p, std::size_t i) {
  return kGroup[static_cast<std::size_t>(k)][static_cast<unsigned char>(p[i])];
}

}  // namespace

void Base64UrlEncodeAppend(std::string_view bytes, std::string* out) {
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  std::size_t start = out->size();
  out->resize(start + (n / 3) * 4 + (n % 3 == 0 ? 0 : n % 3 + 1));
  char* o = out->data() + start;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    std::uint32_t v = std::uint32_t{in[i]} << 16;
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
  } else if (n - i == 2) {
    std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
  }
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  Base64UrlEncodeAppend(bytes, &out);
  return out;
}

bool Base64UrlDecode(std::string_view in, std::string* out) {
  std::size_t n = in.size();
  std::size_t rem = n % 4;
  if (rem == 1) return false;  // no byte string encodes to 4k+1 characters (RFC 4648 §4)
  out->resize(Base64UrlDecodedLength(n));
  const char* p = in.data();
  auto* o = reinterpret_cast<unsigned char*>(out->data());
  std::uint32_t bad = 0;  // OR of every sextet: kInvalid sticks, one branch at the end
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    std::uint32_t v = At(0, p, i) | At(1, p, i + 1) | At(2, p, i + 2) | At(3, p, i + 3);
    bad |= v & kBadBit;
    *o++ = static_cast<unsigned char>(v >> 16);
    *o++ = static_cast<unsigned char>(v >> 8);
    *o++ = static_cast<unsigned char>(v);
  }
  if (rem == 2) {
    std::uint32_t a = Sextet(p, i), b = Sextet(p, i + 1);
    bad |= a | b;
    // Canonical encoding: the 4 unused low bits must be zero (RFC 4648 §3.5, RFC 7515 §2).
    bad |= (b & 0x0F) ? kInvalid : 0;
    *o++ = static_cast<unsigned char>((a << 2) | (b >> 4));
  } else if (rem == 3) {
    std::uint32_t a = Sextet(p, i), b = Sextet(p, i + 1), c = Sextet(p, i + 2);
    bad |= a | b | c;
    bad |= (c & 0x03) ? kInvalid : 0;  // the 2 unused low bits must be zero
    std::uint32_t v = (a << 10) | (b << 4) | (c >> 2);
    *o++ = static_cast<unsigned char>(v >> 8);
    *o++ = static_cast<unsigned char>(v);
  }
  return (bad & (kInvalid | kBadBit)) == 0;
}

}  // namespace jwtd::jose
