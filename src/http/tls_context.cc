#include "http/tls_context.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace jwtd::http {
namespace {

namespace ssl = boost::asio::ssl;

constexpr std::size_t kMaxPemBytes = 1 << 20;  // a long chain is a few KiB

// RFC 9325 §4.2: ECDHE with AEAD only; ECDSA certificates first, then RSA; the 128-bit AES
// variants lead (as fast and as strong as needed), ChaCha20 for clients without AES hardware.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// TLS 1.3 defines only AEAD suites (RFC 8446 §9.1); these are all of OpenSSL's defaults.
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:P-256:P-384";

Error Invalid(std::string message) {
  return Error(Code::kInvalidArgument, Reason::kBadRequest, std::move(message));
}

// Reads a PEM file (symlinks followed: certbot's live/ folder is made of them). With
// `private_key`, refuses a file with any group or other permission bit, as the key directory
// does: the key is the server's identity.
Result<std::string> ReadPem(const std::string& option, const std::string& path, bool private_key) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Invalid(option + ": cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  std::optional<Error> refused;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    refused = Invalid(option + ": " + path + " is not a regular file");
  } else if (private_key && (st.st_mode & 077) != 0) {
    refused = Invalid(option + ": " + path +
                      " is accessible by group/others; it holds the TLS private key: run: "
                      "chmod 600 " +
                      path);
  } else if (static_cast<std::size_t>(st.st_size) > kMaxPemBytes) {
    refused = Invalid(option + ": " + path + " is too large for a PEM file");
  }
  std::string out;
  if (!refused) {
    out.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < out.size()) {
      const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    out.resize(got);
  }
  ::close(fd);
  if (refused) return *refused;
  return out;
}

// An encrypted key would make OpenSSL prompt on the terminal; jwtd refuses it instead.
int NoPassphrase(char*, int, int, void*) { return 0; }

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

// The leaf, then every further certificate of the file as its chain. (Asio's
// use_certificate_chain misreads OpenSSL 3's end-of-file error and refuses valid chains.)
Result<void> UseChain(SSL_CTX* ctx, const std::string& pem, const std::string& path) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::unique_ptr<X509, X509Free> leaf(
      bio ? PEM_read_bio_X509_AUX(bio.get(), nullptr, NoPassphrase, nullptr) : nullptr);
  bool ok = leaf != nullptr && SSL_CTX_use_certificate(ctx, leaf.get()) == 1 &&
            SSL_CTX_clear_chain_certs(ctx) == 1;
  while (ok) {
    std::unique_ptr<X509, X509Free> next(
        PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
    if (!next) break;  // the end of the file (or trailing text, as OpenSSL's own loader)
    ok = SSL_CTX_add1_chain_cert(ctx, next.get()) == 1;
  }
  ERR_clear_error();
  if (!ok) return Invalid("tls.cert_file: " + path + " holds no PEM certificate chain");
  return Ok();
}

// After UseChain: the key must be the leaf certificate's.
Result<void> UseKey(SSL_CTX* ctx, std::string* pem, const std::string& path,
                    const std::string& cert_path) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr) : nullptr);
  OPENSSL_cleanse(pem->data(), pem->size());
  ERR_clear_error();
  if (!key) {
    return Invalid("tls.key_file: " + path +
                   " holds no unencrypted PEM private key (PKCS#8, RSA or EC)");
  }
  if (X509_check_private_key(SSL_CTX_get0_certificate(ctx), key.get()) != 1) {
    ERR_clear_error();
    return Invalid("tls: the key in " + path + " does not match the certificate in " + cert_path);
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) {
    ERR_clear_error();
    return Invalid("tls.key_file: " + path + ": the key cannot be used for TLS");
  }
  return Ok();
}

Result<void> ApplyPolicy(SSL_CTX* ctx) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1 ||
      SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    ERR_clear_error();
    return Error(Code::kInternal, Reason::kInternal,
                 "tls: this OpenSSL lacks the required ciphers");
  }
  return Ok();
}

}  // namespace

Result<TlsContextPtr> MakeTlsContext(const std::string& cert_file, const std::string& key_file) {
  auto cert = ReadPem("tls.cert_file", cert_file, /*private_key=*/false);
  if (!cert.ok()) return cert.error();
  auto key = ReadPem("tls.key_file", key_file, /*private_key=*/true);
  if (!key.ok()) return key.error();
  TlsContextPtr context;
  try {
    context = std::make_shared<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception&) {
    OPENSSL_cleanse(key->data(), key->size());
    return Error(Code::kInternal, Reason::kInternal, "tls: cannot create an OpenSSL context");
  }
  SSL_CTX* ctx = context->native_handle();
  if (auto chain = UseChain(ctx, *cert, cert_file); !chain.ok()) {
    OPENSSL_cleanse(key->data(), key->size());
    return chain.error();
  }
  JWTD_RETURN_IF_ERROR(UseKey(ctx, &*key, key_file, cert_file));
  JWTD_RETURN_IF_ERROR(ApplyPolicy(ctx));
  return context;
}

Result<void> TlsContextHolder::Reload() {
  auto fresh = MakeTlsContext(cert_file_, key_file_);
  if (!fresh.ok()) return fresh.error();
  std::lock_guard lock(mu_);
  current_ = std::move(*fresh);
  return Ok();
}

}  // namespace jwtd::http
