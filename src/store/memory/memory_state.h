// The whole state of the in-memory store: plain maps, copied per transaction (copy-on-write
// snapshot), so a transaction that fails is dropped without a trace.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "jwtd/auth/ports.h"

namespace jwtd::store::memory {

struct State {
  std::map<std::int64_t, auth::User> users;
  std::map<std::string, std::int64_t, std::less<>> user_ids_by_name;
  std::int64_t last_user_id = 0;

  struct SessionRow {
    auth::Session session;
    std::int64_t insert_order = 0;  // tie-break for "newest first"
  };
  std::map<std::string, SessionRow, std::less<>> sessions;
  std::int64_t last_session_order = 0;

  std::map<std::string, auth::RefreshRecord, std::less<>> refreshes;  // by token_hash

  std::map<std::int64_t, auth::RevocationEntry> revocations;   // by seq
  std::map<std::string, std::int64_t, std::less<>> bulk_jobs;  // job -> next offset
  std::int64_t last_seq = 0;

  std::vector<auth::AuditEvent> audit;  // in id order
  std::int64_t last_audit_id = 0;

  std::vector<auth::SecurityEvent> security_events;  // the outbox, in id order
  std::int64_t last_security_event_id = 0;
};

// A StoreTx over a State owned by the caller (the transaction's private copy).
std::unique_ptr<auth::StoreTx> NewMemoryTx(State& state);

}  // namespace jwtd::store::memory
