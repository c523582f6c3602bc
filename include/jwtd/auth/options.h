// Configuration of the session domain. Plain values, validated by TokenService::Create.
#pragma once

#include <cstdint>
#include <string>

namespace jwtd::auth {

struct StrategyOptions {
  // jti/sid denylist: revoked access tokens are refused at once (api.md "denylist").
  bool denylist = true;
  // Per-user token version: logout-all refuses every older access token (api.md "version").
  bool version = true;
};

struct PasswordOptions {
  // libsodium crypto_pwhash (Argon2id13) costs. Defaults: INTERACTIVE ops (2) with 64 MiB.
  std::uint64_t ops_limit = 2;
  std::uint64_t mem_limit_bytes = 64ull << 20;
  std::size_t min_length = 8;
  std::size_t max_length = 1024;
  // Hashes running at once (each holds mem_limit_bytes); more wait. 0: one per core. The worker
  // pool is much larger than the core count (store commits wait on fsync), so without this
  // bound a login flood would run dozens of 64 MiB hashes at once.
  std::uint32_t max_parallel = 0;
};

struct LoginLimitOptions {
  // Failed attempts allowed per account and per client address inside `window_seconds`;
  // past that, login answers 429 with Retry-After. Successful logins are not counted.
  std::uint32_t max_failures_per_account = 5;
  std::uint32_t max_failures_per_address = 20;
  std::int64_t window_seconds = 300;
  // IPv6 clients are counted per prefix of this many bits (a /64 is one customer), so rotating
  // addresses inside it does not escape the per-address limit. IPv4: per address.
  int ipv6_prefix = 64;
  // How long an attempt waits for attempts of the same account or address still being checked
  // (their Argon2id verify running) before it is refused with 429.
  std::int64_t max_wait_ms = 5000;
};

struct AuthOptions {
  std::string issuer = "http://127.0.0.1:8080";
  std::string audience = "jwtd";
  std::int64_t access_ttl_seconds = 15 * 60;
  std::int64_t refresh_ttl_seconds = 30 * 24 * 3600;  // idle lifetime, renewed by rotation
  std::int64_t session_absolute_ttl_seconds = 0;      // 0: none
  // Replays of the just-rotated refresh token inside this window get the same successor pair
  // instead of tripping reuse detection. 0 (default): off, every replay is reuse.
  std::int64_t refresh_grace_seconds = 0;
  std::int64_t leeway_seconds = 30;
  bool allow_registration = true;
  std::size_t verified_cache_entries = 100'000;  // 0 disables the verified-token cache
  // dpop.mode = required: a login without a DPoP proof is refused, and so is the refresh of a
  // session that is not bound to a key (one made before the mode changed): its tokens would be
  // bearer tokens nobody accepts. Reason kDpopBinding.
  bool dpop_required = false;
  StrategyOptions strategies;
  PasswordOptions password;
  LoginLimitOptions login_limits;
};

}  // namespace jwtd::auth
