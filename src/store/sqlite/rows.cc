#include "store/sqlite/rows.h"

namespace jwtd::store::sqlite {

using auth::AuditEvent;
using auth::RefreshRecord;
using auth::RevocationEntry;
using auth::Session;
using auth::User;

User ReadUser(const Stmt& stmt) {
  User u;
  u.id = stmt.Int(0);
  u.username = stmt.Text(1);
  u.password_hash = stmt.Text(2);
  u.disabled = stmt.Int(3) != 0;
  u.token_version = stmt.Int(4);
  u.created_at = stmt.Int(5);
  return u;
}

Session ReadSession(const Stmt& stmt) {
  Session s;
  s.id = stmt.Text(0);
  s.user_id = stmt.Int(1);
  s.generation = stmt.Int(2);
  s.created_at = stmt.Int(3);
  s.last_used_at = stmt.Int(4);
  s.idle_expires_at = stmt.Int(5);
  s.absolute_expires_at = stmt.Int(6);
  s.revoked_at = stmt.Int(7);
  s.revoked_reason = stmt.Text(8);
  s.scope = stmt.Text(9);
  s.user_agent = stmt.Text(10);
  s.client_ip = stmt.Text(11);
  s.dpop_jkt = stmt.Text(12);
  return s;
}

RefreshRecord ReadRefresh(const Stmt& stmt) {
  RefreshRecord r;
  r.token_hash = stmt.Text(0);
  r.session_id = stmt.Text(1);
  r.generation = stmt.Int(2);
  r.state = static_cast<auth::RefreshState>(stmt.Int(3));
  r.created_at = stmt.Int(4);
  r.rotated_at = stmt.Int(5);
  r.sealed_successor = stmt.Text(6);
  return r;
}

RevocationEntry ReadRevocation(const Stmt& stmt) {
  RevocationEntry e;
  e.seq = stmt.Int(0);
  e.kind = static_cast<auth::RevocationKind>(stmt.Int(1));
  e.key = stmt.Text(2);
  e.value = stmt.Int(3);
  e.expires_at = stmt.Int(4);
  e.created_at = stmt.Int(5);
  return e;
}

AuditEvent ReadAudit(const Stmt& stmt) {
  AuditEvent a;
  a.id = stmt.Int(0);
  a.at = stmt.Int(1);
  a.event = stmt.Text(2);
  a.reason = stmt.Text(3);
  if (!stmt.IsNull(4)) a.user_id = stmt.Int(4);
  a.session_id = stmt.Text(5);
  a.client_ip = stmt.Text(6);
  a.detail = stmt.Text(7);
  return a;
}

void BindSession(Stmt& stmt, const Session& s) {
  stmt.BindText(1, s.id)
      .Bind(2, s.user_id)
      .Bind(3, s.generation)
      .Bind(4, s.created_at)
      .Bind(5, s.last_used_at)
      .Bind(6, s.idle_expires_at)
      .Bind(7, s.absolute_expires_at)
      .Bind(8, s.revoked_at)
      .BindText(9, s.revoked_reason)
      .BindText(10, s.scope)
      .BindText(11, s.user_agent)
      .BindText(12, s.client_ip)
      .BindText(13, s.dpop_jkt);
}

void BindRefresh(Stmt& stmt, const RefreshRecord& r) {
  // token_hash is bound as a BLOB even though BindBlob maps empty to NULL: the PRIMARY KEY
  // then refuses an empty hash (NOT NULL is implied for WITHOUT ROWID keys).
  stmt.BindBlob(1, r.token_hash)
      .BindText(2, r.session_id)
      .Bind(3, r.generation)
      .Bind(4, static_cast<std::int64_t>(r.state))
      .Bind(5, r.created_at)
      .Bind(6, r.rotated_at)
      .BindBlob(7, r.sealed_successor);
}

}  // namespace jwtd::store::sqlite
