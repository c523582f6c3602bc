// The TLS side of the listener: building a server context from PEM files with jwtd's protocol
// policy, and holding the current one so that SIGHUP can swap it while connections run.
//
// Policy (RFC 9325, "Recommendations for Secure Use of TLS and DTLS"): TLS 1.2 minimum, TLS 1.3
// preferred; for TLS 1.2 only ECDHE key exchange with AEAD ciphers (AES-GCM, ChaCha20-Poly1305,
// §4.2); no compression (§3.3, CRIME); no renegotiation (§3.5); the server's cipher order wins.
//
// Internal to jwtd_http (includes Boost.Asio SSL). TlsContextHolder is thread-safe.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "jwtd/result.h"

namespace jwtd::http {

using TlsContextPtr = std::shared_ptr<boost::asio::ssl::context>;

// Reads the certificate chain (leaf first) and the private key, checks that they match and
// applies the policy. kInvalidArgument naming the file and what is wrong: unreadable, not PEM,
// a key file that group or others may access (with the `chmod 600` fix), a key that does not
// belong to the certificate. Never puts key material in the message.
Result<TlsContextPtr> MakeTlsContext(const std::string& cert_file, const std::string& key_file);

// The context new connections use. Existing connections keep the one they started with (each
// holds its own reference), so a reload never disturbs them.
class TlsContextHolder {
 public:
  TlsContextHolder(std::string cert_file, std::string key_file, TlsContextPtr initial)
      : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)), current_(initial) {}

  TlsContextPtr Current() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  // Re-reads both files; on success new connections use the new context, on failure the
  // current one stays and the error says why.
  Result<void> Reload();

 private:
  const std::string cert_file_;
  const std::string key_file_;
  mutable std::mutex mu_;
  TlsContextPtr current_;  // guarded by mu_
};

}  // namespace jwtd::http
