#include "jwtd/jose/base64url.h"

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define JWTD_BASE64_SSSE3 1

// 16 characters to 12 bytes per step with SSSE3 (every x86-64 CPU since ~2006; checked at
// run time). Only whole groups in the middle of the input: the scalar loop does the rest,
// including the canonical-tail checks, so both paths accept exactly the same strings.
// Returns how many characters were decoded (a multiple of 16) and sets
// *bad if any of them is outside the alphabet.
__attribute__((target("ssse3"))) std::size_t DecodeBlocksSsse3(const char* in, std::size_t n,
                                                               unsigned char* out, bool* bad) {
  const __m128i kMerge1 = _mm_set1_epi32(0x01400140);  // a*64 + b in each 16-bit pair
  const __m128i kMerge2 = _mm_set1_epi32(0x00011000);  // (ab)*4096 + (cd) in each 32 bits
  const __m128i kOrder = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  auto in_range = [](__m128i c, char lo, char hi) {  // lo <= c <= hi, signed bytes
    return _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8(static_cast<char>(lo - 1))),
                         _mm_cmplt_epi8(c, _mm_set1_epi8(static_cast<char>(hi + 1))));
  };
  __m128i all_valid = _mm_set1_epi8(-1);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    __m128i upper = in_range(c, 'A', 'Z'), lower = in_range(c, 'a', 'z');
    __m128i digit = in_range(c, '0', '9');
    __m128i dash = _mm_cmpeq_epi8(c, _mm_set1_epi8('-'));
    __m128i under = _mm_cmpeq_epi8(c, _mm_set1_epi8('_'));
    // Bytes >= 0x80 are negative here and fall in no range: invalid, as in kDecode.
    all_valid = _mm_and_si128(
        all_valid,
        _mm_or_si128(_mm_or_si128(upper, lower), _mm_or_si128(digit, _mm_or_si128(dash, under))));
    __m128i offset =
        _mm_or_si128(_mm_or_si128(_mm_and_si128(upper, _mm_set1_epi8(-65)),
                                  _mm_and_si128(lower, _mm_set1_epi8(-71))),
                     _mm_or_si128(_mm_and_si128(digit, _mm_set1_epi8(4)),
                                  _mm_or_si128(_mm_and_si128(dash, _mm_set1_epi8(62 - '-')),
                                               _mm_and_si128(under, _mm_set1_epi8(63 - '_')))));
    __m128i sextets = _mm_add_epi8(c, offset);
    __m128i v = _mm_madd_epi16(_mm_maddubs_epi16(sextets, kMerge1), kMerge2);
    v = _mm_shuffle_epi8(v, kOrder);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), v);
    auto last4 = static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm_srli_si128(v, 8)));
    std::memcpy(out + 8, &last4, 4);
    out += 12;
  }
  *bad = _mm_movemask_epi8(all_valid) != 0xFFFF;
  return i;
}

bool HasSsse3() {
  static const bool has = __builtin_cpu_supports("ssse3");
  return has;
}
#endif
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
#ifdef JWTD_BASE64_SSSE3
  if (n >= 16 && HasSsse3()) {
    bool simd_bad = false;
    i = DecodeBlocksSsse3(p, n, o, &simd_bad);
    o += i / 4 * 3;
    if (simd_bad) bad |= kInvalid;
  }
#endif
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
