// jwtd::jose::Claims — the header and claims of a JWS whose signature has been checked, as a
// read-only value. Registered claims (RFC 7519 §4.1) and the access-token claims of RFC 9068
// and api.md (sid, ver, scope) are parsed once; any other claim stays in json().
//
// Immutable once built by the verifier; thread-compatible. The string_views returned point
// into the Claims object and live as long as it does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/jose/alg.h"

namespace jwtd::jose {

class Claims {
 public:
  Claims() = default;

  // --- header (RFC 7515 §4.1) ---
  Alg alg() const { return alg_; }
  std::string_view kid() const { return kid_; }
  std::string_view typ() const { return typ_; }

  // --- claims ---
  std::string_view iss() const { return iss_; }
  std::string_view sub() const { return sub_; }
  std::string_view jti() const { return jti_; }
  std::string_view sid() const { return sid_; }
  std::string_view scope() const { return scope_; }
  // aud as a list, whether the token carried a string or an array.
  const std::vector<std::string>& aud() const { return aud_; }
  std::int64_t exp() const { return exp_; }  // always present in a verified token
  std::optional<std::int64_t> nbf() const { return nbf_; }
  std::optional<std::int64_t> iat() const { return iat_; }
  std::optional<std::int64_t> ver() const { return ver_; }

  // True if the claim was present in the token (any type).
  bool Has(std::string_view name) const;
  // The decoded claims JSON as it was signed.
  const std::string& json() const { return json_; }

 private:
  friend class ClaimsBuilder;  // src/jose/claims_parser.cc fills these in

  Alg alg_ = Alg::kES256;
  std::string kid_, typ_;
  std::string iss_, sub_, jti_, sid_, scope_;
  std::vector<std::string> aud_;
  std::int64_t exp_ = 0;
  std::optional<std::int64_t> nbf_, iat_, ver_;
  std::vector<std::string> present_;  // names of every top-level claim
  std::string json_;
};

}  // namespace jwtd::jose
