// seed_sessions: bulk-creates live sessions (each with its current refresh token) for an
// existing user through the store API, so scripts/bench.sh can measure refresh/s with up to
// 1,000,000 stored sessions without a million Argon2id logins.
//
//   seed_sessions --store <sqlite path | postgresql://...> --user NAME --count N
//                 [--tokens FILE --keep K] [--batch B] [--refresh-ttl S]
//   seed_sessions --store ... --user PREFIX --new-users U --names FILE [--count N]
//
// The second form creates U users PREFIX-0 ... PREFIX-(U-1), each with N sessions (default 1),
// and writes their names to FILE (for scripts/bench-bulk.sh, a mass logout). Their password
// hash is not a valid Argon2id string: nobody can log in as them.
//
// Rows are what a login writes (auth/registration_login.cc StartSession): a 128-bit sid,
// generation 1, a 256-bit refresh token stored only as its SHA-256 (RFC 9700 §4.14). The
// tokens of the LAST K sessions are written to FILE, one per line (a benchmark pool); the rest
// are dropped. Prints {"created":N,"seconds":S} on stdout.
#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/auth/ports.h"
#include "jwtd/clock.h"
#include "jwtd/random.h"
#include "jwtd/store/postgres_store.h"
#include "jwtd/store/sqlite_store.h"

namespace {

struct Args {
  std::string store, user, tokens, names;
  long count = 0, keep = 0, batch = 5'000, refresh_ttl = 2'592'000, new_users = 0;
};

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "seed_sessions: %s\n", why.c_str());
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view k = argv[i];
    const std::string v = argv[i + 1];
    if (k == "--store")
      a.store = v;
    else if (k == "--user")
      a.user = v;
    else if (k == "--tokens")
      a.tokens = v;
    else if (k == "--count")
      a.count = std::atol(v.c_str());
    else if (k == "--keep")
      a.keep = std::atol(v.c_str());
    else if (k == "--batch")
      a.batch = std::atol(v.c_str());
    else if (k == "--refresh-ttl")
      a.refresh_ttl = std::atol(v.c_str());
    else if (k == "--new-users")
      a.new_users = std::atol(v.c_str());
    else if (k == "--names")
      a.names = v;
    else
      Die("unknown option " + std::string(k));
  }
  if (a.store.empty() || a.user.empty() || a.count < 0 || a.batch < 1) {
    Die("usage: seed_sessions --store <path|url> --user NAME --count N [--tokens F --keep K]");
  }
  return a;
}

std::unique_ptr<jwtd::auth::Store> Open(const std::string& where) {
  jwtd::Result<std::unique_ptr<jwtd::auth::Store>> store =
      where.starts_with("postgres")
          ? jwtd::store::OpenPostgresStore({.url = where}, jwtd::SystemClock())
          : jwtd::store::OpenSqliteStore({.path = where}, jwtd::SystemClock());
  if (!store.ok()) Die("cannot open the store: " + store.error().message());
  return std::move(*store);
}

std::string Sha256(std::string_view s) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// One batch of sessions in one transaction; appends the tokens to `kept` when asked.
void SeedBatch(jwtd::auth::Store& store, std::int64_t user_id, long n, const Args& a,
               bool keep_tokens, std::vector<std::string>* kept) {
  const std::int64_t now = jwtd::SystemClock()->NowSeconds();
  std::vector<std::string> tokens;
  auto done = store.Transact([&](jwtd::auth::StoreTx& tx) -> jwtd::Result<void> {
    tokens.clear();
    for (long i = 0; i < n; ++i) {
      jwtd::auth::Session s;
      s.id = jwtd::RandomToken(16);
      s.user_id = user_id;
      s.generation = 1;
      s.created_at = s.last_used_at = now;
      s.idle_expires_at = now + a.refresh_ttl;
      if (auto r = tx.InsertSession(s); !r.ok()) return r;
      std::string token = jwtd::RandomToken(32);
      jwtd::auth::RefreshRecord rec;
      rec.token_hash = Sha256(token);
      rec.session_id = s.id;
      rec.generation = 1;
      rec.created_at = now;
      if (auto r = tx.InsertRefresh(rec); !r.ok()) return r;
      if (keep_tokens) tokens.push_back(std::move(token));
    }
    return jwtd::Ok();
  });
  if (!done.ok()) Die("insert failed: " + done.error().message());
  for (auto& t : tokens) kept->push_back(std::move(t));
}

std::int64_t FindUser(jwtd::auth::Store& store, const std::string& name) {
  std::int64_t id = 0;
  auto found = store.Transact([&](jwtd::auth::StoreTx& tx) -> jwtd::Result<void> {
    auto user = tx.FindUserByName(name);
    if (!user.ok()) return user.error();
    if (user->has_value()) id = (*user)->id;
    return jwtd::Ok();
  });
  if (!found.ok() || id == 0) Die("user not found (register it first)");
  return id;
}

// The --new-users form: users in batches of one transaction, each with `sessions` sessions.
void SeedUsers(jwtd::auth::Store& store, const Args& a, long sessions) {
  std::ofstream names(a.names, std::ios::trunc);
  if (!names) Die("cannot write " + a.names);
  const std::int64_t now = jwtd::SystemClock()->NowSeconds();
  const long per_batch = std::max(1L, a.batch / std::max(1L, sessions + 1));
  for (long done = 0; done < a.new_users;) {
    const long n = std::min(per_batch, a.new_users - done);
    auto made = store.Transact([&](jwtd::auth::StoreTx& tx) -> jwtd::Result<void> {
      for (long i = done; i < done + n; ++i) {
        auto user = tx.InsertUser(a.user + "-" + std::to_string(i), "not-an-argon2id-hash", now);
        if (!user.ok()) return user.error();
        for (long j = 0; j < sessions; ++j) {
          jwtd::auth::Session s;
          s.id = jwtd::RandomToken(16);
          s.user_id = user->id;
          s.generation = 1;
          s.created_at = s.last_used_at = now;
          s.idle_expires_at = now + a.refresh_ttl;
          if (auto r = tx.InsertSession(s); !r.ok()) return r;
          jwtd::auth::RefreshRecord rec;
          rec.token_hash = Sha256(jwtd::RandomToken(32));
          rec.session_id = s.id;
          rec.generation = 1;
          rec.created_at = now;
          if (auto r = tx.InsertRefresh(rec); !r.ok()) return r;
        }
      }
      return jwtd::Ok();
    });
    if (!made.ok()) Die("insert failed: " + made.error().message());
    for (long i = done; i < done + n; ++i) names << a.user << '-' << i << '\n';
    done += n;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = Parse(argc, argv);
  const auto start = std::chrono::steady_clock::now();
  auto store = Open(a.store);
  if (a.new_users > 0) {
    if (a.names.empty()) Die("--new-users needs --names FILE");
    const long sessions = a.count > 0 ? a.count : 1;
    SeedUsers(*store, a, sessions);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("{\"users\":%ld,\"sessions\":%ld,\"seconds\":%.3f}\n", a.new_users,
                a.new_users * sessions, secs);
    return 0;
  }
  const std::int64_t user_id = FindUser(*store, a.user);
  std::vector<std::string> kept;
  for (long done = 0; done < a.count;) {
    const long n = std::min(a.batch, a.count - done);
    // Only the last `keep` sessions' tokens are kept (whole batches at the end).
    SeedBatch(*store, user_id, n, a, done + n > a.count - a.keep, &kept);
    done += n;
  }
  if (!a.tokens.empty()) {
    std::ofstream out(a.tokens, std::ios::app);
    const std::size_t skip = kept.size() > static_cast<std::size_t>(a.keep)
                                 ? kept.size() - static_cast<std::size_t>(a.keep)
                                 : 0;
    for (std::size_t i = skip; i < kept.size(); ++i) out << kept[i] << '\n';
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"created\":%ld,\"seconds\":%.3f}\n", a.count, secs);
  return 0;
}
