#include "jwtd/jose/alg.h"

#include "key_impl.h"

namespace jwtd::jose {

std::string_view AlgName(Alg alg) {
  switch (alg) {
    case Alg::kEdDSA:
      return "EdDSA";
    case Alg::kES256:
      return "ES256";
    case Alg::kES384:
      return "ES384";
    case Alg::kRS256:
      return "RS256";
    case Alg::kPS256:
      return "PS256";
    case Alg::kHS256:
      return "HS256";
    case Alg::kHS384:
      return "HS384";
    case Alg::kHS512:
      return "HS512";
  }
  return "?";
}

std::optional<Alg> ParseAlg(std::string_view name) {
  // Case-sensitive (RFC 7515 §4.1.1); "none" is deliberately absent (RFC 8725 §3.1).
  for (Alg alg : kAllAlgs) {
    if (AlgName(alg) == name) return alg;
  }
  return std::nullopt;
}

bool IsSymmetric(Alg alg) { return alg == Alg::kHS256 || alg == Alg::kHS384 || alg == Alg::kHS512; }

KeyKind KindOf(Alg alg) {
  switch (alg) {
    case Alg::kEdDSA:
      return KeyKind::kOkp;
    case Alg::kES256:
    case Alg::kES384:
      return KeyKind::kEc;
    case Alg::kRS256:
    case Alg::kPS256:
      return KeyKind::kRsa;
    case Alg::kHS256:
    case Alg::kHS384:
    case Alg::kHS512:
      return KeyKind::kOct;
  }
  return KeyKind::kOct;
}

const char* DigestNameOf(Alg alg) {
  switch (alg) {
    case Alg::kEdDSA:
      return nullptr;  // Ed25519 hashes internally (RFC 8032 §5.1.6)
    case Alg::kES384:
    case Alg::kHS384:
      return "SHA384";
    case Alg::kHS512:
      return "SHA512";
    default:
      return "SHA256";
  }
}

std::size_t HashLengthOf(Alg alg) {
  switch (alg) {
    case Alg::kEdDSA:
      return 0;
    case Alg::kES384:
    case Alg::kHS384:
      return 48;
    case Alg::kHS512:
      return 64;
    default:
      return 32;
  }
}

const char* CurveOf(Alg alg) {
  switch (alg) {
    case Alg::kEdDSA:
      return "Ed25519";
    case Alg::kES256:
      return "P-256";
    case Alg::kES384:
      return "P-384";
    default:
      return nullptr;
  }
}

std::size_t EcFieldSizeOf(Alg alg) {
  switch (alg) {
    case Alg::kES256:
      return 32;
    case Alg::kES384:
      return 48;
    default:
      return 0;
  }
}

}  // namespace jwtd::jose
