#include "store/postgres/rows.h"

namespace jwtd::store::postgres {

using auth::AuditEvent;
using auth::RefreshRecord;
using auth::RevocationEntry;
using auth::Session;
using auth::User;

User ReadUser(const Row& row) {
  User u;
  u.id = row.Int(0);
  u.username = row.Text(1);
  u.password_hash = row.Text(2);
  u.disabled = row.Int(3) != 0;
  u.token_version = row.Int(4);
  u.created_at = row.Int(5);
  return u;
}

Session ReadSession(const Row& row) {
  Session s;
  s.id = row.Text(0);
  s.user_id = row.Int(1);
  s.generation = row.Int(2);
  s.created_at = row.Int(3);
  s.last_used_at = row.Int(4);
  s.idle_expires_at = row.Int(5);
  s.absolute_expires_at = row.Int(6);
  s.revoked_at = row.Int(7);
  s.revoked_reason = row.Text(8);
  s.scope = row.Text(9);
  s.user_agent = row.Text(10);
  s.client_ip = row.Text(11);
  s.dpop_jkt = row.Text(12);
  return s;
}

RefreshRecord ReadRefresh(const Row& row) {
  RefreshRecord r;
  r.token_hash = row.Text(0);
  r.session_id = row.Text(1);
  r.generation = row.Int(2);
  r.state = static_cast<auth::RefreshState>(row.Int(3));
  r.created_at = row.Int(4);
  r.rotated_at = row.Int(5);
  r.sealed_successor = row.Text(6);
  return r;
}

RevocationEntry ReadRevocation(const Row& row) {
  RevocationEntry e;
  e.seq = row.Int(0);
  e.kind = static_cast<auth::RevocationKind>(row.Int(1));
  e.key = row.Text(2);
  e.value = row.Int(3);
  e.expires_at = row.Int(4);
  e.created_at = row.Int(5);
  return e;
}

AuditEvent ReadAudit(const Row& row) {
  AuditEvent a;
  a.id = row.Int(0);
  a.at = row.Int(1);
  a.event = row.Text(2);
  a.reason = row.Text(3);
  if (!row.IsNull(4)) a.user_id = row.Int(4);
  a.session_id = row.Text(5);
  a.client_ip = row.Text(6);
  a.detail = row.Text(7);
  return a;
}

Params& BindSession(Params& params, const Session& s) {
  return params.Text(s.id)
      .Int(s.user_id)
      .Int(s.generation)
      .Int(s.created_at)
      .Int(s.last_used_at)
      .Int(s.idle_expires_at)
      .Int(s.absolute_expires_at)
      .Int(s.revoked_at)
      .Text(s.revoked_reason)
      .Text(s.scope)
      .Text(s.user_agent)
      .Text(s.client_ip)
      .Text(s.dpop_jkt);
}

Params& BindRefresh(Params& params, const RefreshRecord& r) {
  // An empty token_hash is bound as an empty BYTEA (not NULL): the CHECK refuses it.
  return params.Text(r.token_hash)
      .Text(r.session_id)
      .Int(r.generation)
      .Int(static_cast<std::int64_t>(r.state))
      .Int(r.created_at)
      .Int(r.rotated_at)
      .Bytes(r.sealed_successor);
}

}  // namespace jwtd::store::postgres
