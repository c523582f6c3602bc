// jwtd::jose::Claims — the header and claims of a JWS whose signature has been checked, as a
// read-only value. Registered claims (RFC 7519 §4.1) and the access-token claims of RFC 9068
// and api.md (sid, ver, scope) are parsed once; any other claim stays in json().
//
// Immutable once built by the verifier; thread-compatible. The string_views returned point
// into the Claims object and live as long as it does (not across a move or copy of it).
//
// Layout (why): the decoded payload is stored once; string claims are offsets into it (into a
// side buffer only for the rare string with JSON escapes), so building a Claims costs one
// allocation, and copies and moves stay valid because nothing holds a raw pointer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/jose/alg.h"

namespace jwtd::jose {

class Claims {
 public:
  class AudList;

  Claims() = default;

  // --- header (RFC 7515 §4.1) ---
  Alg alg() const { return alg_; }
  std::string_view kid() const { return kid_; }
  std::string_view typ() const { return typ_; }

  // --- claims ---
  std::string_view iss() const { return View(iss_); }
  std::string_view sub() const { return View(sub_); }
  std::string_view jti() const { return View(jti_); }
  std::string_view sid() const { return View(sid_); }
  std::string_view scope() const { return View(scope_); }
  // aud as a list, whether the token carried a string or an array. A view into this Claims.
  AudList aud() const;
  std::int64_t exp() const { return exp_; }  // always present in a verified token
  std::optional<std::int64_t> nbf() const { return Opt(kNbfBit, nbf_); }
  std::optional<std::int64_t> iat() const { return Opt(kIatBit, iat_); }
  std::optional<std::int64_t> ver() const { return Opt(kVerBit, ver_); }

  // True if the claim was present in the token (any type).
  bool Has(std::string_view name) const;
  // The decoded claims JSON as it was signed.
  const std::string& json() const { return json_; }

 private:
  friend class ClaimsBuilder;  // src/jose/claims_parser.cc fills these in
  friend class ClaimsSink;

  // A string stored at [off, off + len) of json_, or of extra_ when off has kExtraBit.
  struct Span {
    std::uint32_t off = 0, len = 0;
  };
  static constexpr std::uint32_t kExtraBit = 1u << 31;

  // Spans, the first kInline without a heap allocation.
  class SpanList {
   public:
    std::size_t size() const { return n_; }
    Span operator[](std::size_t i) const { return n_ <= kInline ? inline_[i] : heap_[i]; }
    void push_back(Span s);
    void clear() {
      n_ = 0;
      heap_.clear();
    }

   private:
    static constexpr std::size_t kInline = 4;
    std::array<Span, kInline> inline_{};
    std::size_t n_ = 0;
    std::vector<Span> heap_;  // all elements once there are more than kInline
  };

  // Presence bits of the registered and profile claims (Has() without a string compare).
  enum : std::uint16_t {
    kIssBit = 1 << 0,
    kSubBit = 1 << 1,
    kJtiBit = 1 << 2,
    kSidBit = 1 << 3,
    kScopeBit = 1 << 4,
    kAudBit = 1 << 5,
    kExpBit = 1 << 6,
    kNbfBit = 1 << 7,
    kIatBit = 1 << 8,
    kVerBit = 1 << 9,
  };

  // The k*Bit of a claim name, 0 for names without one.
  static std::uint16_t ClaimBit(std::string_view name);
  std::string_view View(Span s) const {
    const std::string& buf = (s.off & kExtraBit) != 0 ? extra_ : json_;
    return {buf.data() + (s.off & ~kExtraBit), s.len};
  }
  std::optional<std::int64_t> Opt(std::uint16_t bit, std::int64_t v) const {
    return (present_ & bit) != 0 ? std::optional<std::int64_t>(v) : std::nullopt;
  }

  Alg alg_ = Alg::kES256;
  std::uint16_t present_ = 0;  // k*Bit
  std::string kid_, typ_;
  Span iss_, sub_, jti_, sid_, scope_;
  SpanList aud_;
  SpanList other_names_;  // names of the top-level claims without a presence bit
  std::int64_t exp_ = 0, nbf_ = 0, iat_ = 0, ver_ = 0;
  std::string json_;
  std::string extra_;  // unescaped copies of strings that had JSON escapes (rare)
};

// The audiences of a Claims: a read-only range of string_views, valid while the Claims lives.
class Claims::AudList {
 public:
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;

    const_iterator() = default;
    std::string_view operator*() const { return c_->View(c_->aud_[i_]); }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++i_;
      return old;
    }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }

   private:
    friend class AudList;
    const_iterator(const Claims* c, std::size_t i) : c_(c), i_(i) {}
    const Claims* c_ = nullptr;
    std::size_t i_ = 0;
  };
  using iterator = const_iterator;
  using value_type = std::string_view;
  using size_type = std::size_t;

  explicit AudList(const Claims* c) : c_(c) {}
  std::size_t size() const { return c_->aud_.size(); }
  bool empty() const { return size() == 0; }
  std::string_view operator[](std::size_t i) const { return c_->View(c_->aud_[i]); }
  const_iterator begin() const { return {c_, 0}; }
  const_iterator end() const { return {c_, size()}; }

  // Element-wise equality with a list of strings (tests, callers that hold a std::vector).
  friend bool operator==(const AudList& a, const std::vector<std::string>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < b.size(); ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }

 private:
  const Claims* c_;
};

inline Claims::AudList Claims::aud() const { return AudList(this); }

}  // namespace jwtd::jose
