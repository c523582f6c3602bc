// Owning handles for every OpenSSL type jose uses. Raw OpenSSL pointers exist only inside these
// wrappers; everything else holds a handle and passes .get() into OpenSSL calls.
// Internal header; thread-compatible like the objects they own.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>

namespace jwtd::jose::ossl {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};

template <typename T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Free>>;

inline void FreeBn(BIGNUM* bn) { BN_clear_free(bn); }         // clears: BIGNUMs may hold secrets
inline void FreeBytes(unsigned char* p) { OPENSSL_free(p); }  // buffers OpenSSL allocated (i2d)

using EvpPkey = Handle<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtx = Handle<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpMdCtx = Handle<EVP_MD_CTX, EVP_MD_CTX_free>;
using EvpMd = Handle<EVP_MD, EVP_MD_free>;
using EvpMac = Handle<EVP_MAC, EVP_MAC_free>;
using EvpMacCtx = Handle<EVP_MAC_CTX, EVP_MAC_CTX_free>;
using Bio = Handle<BIO, BIO_free_all>;
using Bn = Handle<BIGNUM, FreeBn>;
using EcdsaSig = Handle<ECDSA_SIG, ECDSA_SIG_free>;
using Bytes = Handle<unsigned char, FreeBytes>;
using ParamBld = Handle<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using Params = Handle<OSSL_PARAM, OSSL_PARAM_free>;

}  // namespace jwtd::jose::ossl
