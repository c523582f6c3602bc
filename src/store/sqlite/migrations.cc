// The schema of the SQLite store, one migration per version. Never edit a released migration;
// append a new one.
//
// Notes on the choices:
//  - users.username uses the default BINARY collation: usernames are exact and case-sensitive.
//  - refresh_tokens are keyed by the SHA-256 of the token (a BLOB); the token itself is never
//    stored. sealed_successor is NULL outside the grace window.
//  - revocations.seq is AUTOINCREMENT so a seq is never reused, even after the newest rows are
//    swept: catch-up by seq (docs/architecture.md) depends on it.
#include "store/sqlite/migrations.h"

#include <array>
#include <string>

namespace jwtd::store::sqlite {
namespace {

struct Migration {
  int version;
  const char* sql;
};

constexpr const char kV1[] = R"sql(
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  disabled      INTEGER NOT NULL DEFAULT 0,
  token_version INTEGER NOT NULL DEFAULT 1,
  created_at    INTEGER NOT NULL
);
CREATE TABLE sessions (
  id                  TEXT PRIMARY KEY,
  user_id             INTEGER NOT NULL REFERENCES users(id),
  generation          INTEGER NOT NULL,
  created_at          INTEGER NOT NULL,
  last_used_at        INTEGER NOT NULL,
  idle_expires_at     INTEGER NOT NULL,
  absolute_expires_at INTEGER NOT NULL,
  revoked_at          INTEGER NOT NULL,
  revoked_reason      TEXT NOT NULL,
  scope               TEXT NOT NULL,
  user_agent          TEXT NOT NULL,
  client_ip           TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id, created_at);
CREATE TABLE refresh_tokens (
  token_hash       BLOB PRIMARY KEY,
  session_id       TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  generation       INTEGER NOT NULL,
  state            INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  rotated_at       INTEGER NOT NULL,
  sealed_successor BLOB
) WITHOUT ROWID;
CREATE INDEX refresh_tokens_by_session ON refresh_tokens(session_id);
-- Only rows still holding a sealed successor, for the sweep that forgets them.
CREATE INDEX refresh_tokens_sealed ON refresh_tokens(rotated_at) WHERE sealed_successor IS NOT NULL;
CREATE TABLE revocations (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  kind       INTEGER NOT NULL,
  key        TEXT NOT NULL,
  value      INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX revocations_by_expiry ON revocations(expires_at);
CREATE TABLE audit (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  at         INTEGER NOT NULL,
  event      TEXT NOT NULL,
  reason     TEXT NOT NULL,
  user_id    INTEGER,
  session_id TEXT NOT NULL,
  client_ip  TEXT NOT NULL,
  detail     TEXT NOT NULL
);
CREATE INDEX audit_by_time ON audit(at);
CREATE INDEX audit_by_user ON audit(user_id, at);
)sql";

// v2: the revocation bus key (src/store/redis/bus_codec.h), one row, created once here so that
// every node sharing this store shares it and no one has to configure it. randomblob() is
// SQLite's CSPRNG (ChaCha20 seeded from the OS); 32 bytes = 256 bits, kept as 64 hex digits.
constexpr const char kV2[] = R"sql(
CREATE TABLE bus_key (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  key TEXT NOT NULL
);
INSERT INTO bus_key(id, key) VALUES (1, lower(hex(randomblob(32))));
)sql";

// v3: the security-event outbox (auth::SecurityEvent): written in the revoking transaction, read
// by the Shared Signals transmitter in id order.
constexpr const char kV3[] = R"sql(
CREATE TABLE security_events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  kind       INTEGER NOT NULL,
  user_id    INTEGER NOT NULL,
  session_id TEXT NOT NULL,
  reason     TEXT NOT NULL,
  at         INTEGER NOT NULL
);
)sql";

// v4: the Shared Signals streams (auth::SsfStream) and what each has acknowledged above its
// watermark; security events addressed to one stream (verification) and the txn of each event.
constexpr const char kV4[] = R"sql(
ALTER TABLE security_events ADD COLUMN stream_id TEXT NOT NULL DEFAULT '';
ALTER TABLE security_events ADD COLUMN txn TEXT NOT NULL DEFAULT '';
CREATE TABLE ssf_streams (
  id               TEXT PRIMARY KEY,
  client           TEXT NOT NULL,
  audience         TEXT NOT NULL,
  events_requested TEXT NOT NULL,
  kinds            INTEGER NOT NULL,
  delivery_method  TEXT NOT NULL,
  endpoint_url     TEXT NOT NULL,
  description      TEXT NOT NULL,
  status           TEXT NOT NULL,
  status_reason    TEXT NOT NULL,
  acked_through    INTEGER NOT NULL,
  delivered        INTEGER NOT NULL DEFAULT 0,
  failures         INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE TABLE ssf_acks (
  stream_id TEXT NOT NULL,
  event_id  INTEGER NOT NULL,
  PRIMARY KEY (stream_id, event_id)
) WITHOUT ROWID;
)sql";

// v5: credential-change joins the events jwtd emits. A stream delivers the kinds fixed when it
// was made or changed (kinds, a bit per auth::SecurityEventKind): those that requested every
// event (none named) or named credential-change before it was emitted get its bit (1 << 2) too.
constexpr const char kV5[] = R"sql(
UPDATE ssf_streams SET kinds = kinds | 4
 WHERE events_requested = ''
    OR ' ' || events_requested || ' '
       LIKE '% https://schemas.openid.net/secevent/caep/event-type/credential-change %';
)sql";

// v6: the operator's bulk revocation jobs; a page's transaction moves its job's offset, so an
// interrupted job resumes exactly after its last committed page.
constexpr const char kV6[] = R"sql(
CREATE TABLE bulk_jobs (
  job         TEXT PRIMARY KEY,
  next_offset INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// v7: DPoP (RFC 9449 §5): the thumbprint of the key a session's refresh tokens are bound to;
// '' for the sessions of bearer logins, every session made before this version included.
constexpr const char kV7[] = R"sql(
ALTER TABLE sessions ADD COLUMN dpop_jkt TEXT NOT NULL DEFAULT '';
)sql";

constexpr std::array kMigrations = {
    Migration{1, kV1}, Migration{2, kV2}, Migration{3, kV3}, Migration{4, kV4},
    Migration{5, kV5}, Migration{6, kV6}, Migration{7, kV7},
};

constexpr const char kCreateLedger[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";
constexpr std::string_view kCurrentVersion =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr std::string_view kRecord =
    "INSERT INTO schema_migrations(version, applied_at) VALUES (?1, ?2)";

Result<int> ApplyPending(Connection& conn, std::int64_t now) {
  JWTD_RETURN_IF_ERROR(conn.Exec(kCreateLedger, "migrate ledger"));
  Result<Stmt> current = conn.Prepare(kCurrentVersion);
  if (!current.ok()) return current.error();
  Result<bool> row = current->Step();
  if (!row.ok()) return row.error();
  const int version = static_cast<int>(current->Int(0));
  if (version > LatestSchemaVersion()) {
    return Error(Code::kInternal, Reason::kInternal,
                 "sqlite schema version " + std::to_string(version) + " is newer than this build");
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= version) continue;
    JWTD_RETURN_IF_ERROR(conn.Exec(m.sql, "migrate v" + std::to_string(m.version)));
    Result<Stmt> record = conn.Prepare(kRecord);
    if (!record.ok()) return record.error();
    JWTD_RETURN_IF_ERROR(record->Bind(1, m.version).Bind(2, now).Run());
  }
  return LatestSchemaVersion();
}

Error SchemaError(std::string message) {
  return Error(Code::kUnavailable, Reason::kStoreUnavailable, std::move(message));
}

}  // namespace

Result<void> RequireCurrentSchema(Connection& conn) {
  Result<std::string> ledger = conn.QueryText(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  if (!ledger.ok()) return ledger.error();
  if (*ledger != "1") {
    return SchemaError(
        "sqlite: the database has no jwtd schema (a read-only node never creates one): start a "
        "full node on it first, or run `jwtd migrate`");
  }
  Result<std::string> version = conn.QueryText(kCurrentVersion);
  if (!version.ok()) return version.error();
  const std::string latest = std::to_string(LatestSchemaVersion());
  if (*version == latest) return Ok();
  if (std::stoi(*version) < LatestSchemaVersion()) {
    return SchemaError("sqlite: schema version " + *version + " is older than this build's " +
                       latest + " (a read-only node never migrates): run `jwtd migrate`");
  }
  return SchemaError("sqlite: schema version " + *version + " is newer than this build's " +
                     latest + ": upgrade this node");
}

int LatestSchemaVersion() { return kMigrations.back().version; }

Result<int> Migrate(Connection& conn, std::int64_t now) {
  // IMMEDIATE takes the write lock before reading the version, so two processes cannot both
  // decide that the same migration is pending.
  JWTD_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE", "migrate begin"));
  Result<int> version = ApplyPending(conn, now);
  if (version.ok()) {
    Result<void> commit = conn.Exec("COMMIT", "migrate commit");
    if (commit.ok()) return version;
    version = commit.error();
  }
  if (conn.in_transaction()) (void)conn.Exec("ROLLBACK", "migrate rollback");
  return version;
}

}  // namespace jwtd::store::sqlite
