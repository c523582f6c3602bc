#include "login.h"

#include <string>

#include "credentials_policy.h"
#include "jwtd/random.h"

namespace jwtd::auth {
namespace {

constexpr std::size_t kMaxUserAgentBytes = 256;

// Shown back in session lists: printable ASCII only, bounded.
std::string CleanUserAgent(std::string_view ua) {
  std::string out(ua.substr(0, kMaxUserAgentBytes));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

// Limiter key: invalid (over-long) names still count, without growing memory per byte.
std::string_view AccountKey(std::string_view username) {
  return username.substr(0, kMaxUsernameBytes + 1);
}

Error BadCredentials() {
  return Error(Code::kUnauthenticated, Reason::kBadCredentials, "invalid credentials");
}

}  // namespace

Result<User> PasswordLogin::Register(std::string_view username, std::string_view password,
                                     const ClientInfo& client) {
  if (!options_.allow_registration) {
    return Error(Code::kPermissionDenied, Reason::kNone, "registration is disabled");
  }
  JWTD_RETURN_IF_ERROR(ValidateUsername(username));
  JWTD_RETURN_IF_ERROR(ValidatePassword(password, options_.password));
  auto hash = hasher_->Hash(password);  // Argon2id outside the write transaction
  if (!hash.ok()) return hash.error();
  const std::int64_t now = clock_->NowSeconds();
  std::optional<User> created;
  auto committed = store_->Transact([&](StoreTx& tx) -> Result<void> {
    auto user = tx.InsertUser(username, *hash, now);
    if (!user.ok()) return user.error();
    JWTD_RETURN_IF_ERROR(tx.AppendAudit(MakeAudit(AuditKind::kUserRegistered, AuditReason::kNone,
                                                  user->id, "", client.address, now)));
    created = std::move(*user);
    return Ok();
  });
  if (!committed.ok()) return committed.error();
  created->password_hash.clear();
  return std::move(*created);
}

Result<TokenResponse> PasswordLogin::SignIn(std::string_view username, std::string_view password,
                                            std::string_view scope, const ClientInfo& client) {
  JWTD_RETURN_IF_ERROR(ValidateScope(scope));
  if (std::int64_t wait = limiter_->Admit(AccountKey(username), client.address); wait > 0) {
    return Error(Code::kResourceExhausted, Reason::kRateLimited, "too many failed logins")
        .WithRetryAfter(wait);
  }
  auto user = CheckPassword(username, password, client);
  if (!user.ok()) return user.error();
  return StartSession(user->id, scope, client);
}

Result<User> PasswordLogin::CheckPassword(std::string_view username, std::string_view password,
                                          const ClientInfo& client) {
  const std::string_view account = AccountKey(username);
  std::optional<User> user;
  if (ValidateUsername(username).ok()) {  // a name that cannot be registered cannot exist
    auto read = store_->Read([&](StoreReadTx& tx) -> Result<void> {
      auto found = tx.FindUserByName(username);
      if (!found.ok()) return found.error();
      user = std::move(*found);
      return Ok();
    });
    if (!read.ok()) {
      limiter_->Withdraw(account, client.address);  // no guess was checked
      return read.error();
    }
  }
  // api.md: an unknown user costs one Argon2id verify, exactly like a wrong password.
  const bool usable = password.size() <= options_.password.max_length;
  const bool matched = user && usable
                           ? hasher_->Verify(user->password_hash, password)
                           : hasher_->VerifyDummy(password.substr(0, options_.password.max_length));
  if (!matched || user->disabled) {
    limiter_->RecordFailure(account, client.address);
    const std::optional<std::int64_t> id = user ? std::optional(user->id) : std::nullopt;
    const AuditReason reason = !user      ? AuditReason::kUnknownUser
                               : !matched ? AuditReason::kBadPassword
                                          : AuditReason::kUserDisabled;
    JWTD_RETURN_IF_ERROR(RecordFailure(id, reason, client));
    if (matched) return Error(Code::kUnauthenticated, Reason::kUserDisabled, "account disabled");
    return BadCredentials();
  }
  limiter_->RecordSuccess(account, client.address);
  return std::move(*user);
}

Result<void> PasswordLogin::RecordFailure(std::optional<std::int64_t> user_id, AuditReason reason,
                                          const ClientInfo& client) {
  const std::int64_t now = clock_->NowSeconds();
  // The attempted name is not recorded: users type passwords into the username field.
  return store_->Transact([&](StoreTx& tx) {
    return tx.AppendAudit(
        MakeAudit(AuditKind::kLoginFailed, reason, user_id, "", client.address, now));
  });
}

Result<TokenResponse> PasswordLogin::StartSession(std::int64_t user_id, std::string_view scope,
                                                  const ClientInfo& client) {
  if (options_.dpop_required && client.dpop_jkt.empty()) {
    return Error(Code::kUnauthenticated, Reason::kDpopBinding, "a DPoP proof is required");
  }
  const std::int64_t now = clock_->NowSeconds();
  Session session;
  session.id = RandomToken(16);  // 128 random bits (the sid claim)
  session.user_id = user_id;
  session.generation = 1;
  session.created_at = session.last_used_at = now;
  session.idle_expires_at = now + options_.refresh_ttl_seconds;
  if (options_.session_absolute_ttl_seconds > 0) {
    session.absolute_expires_at = now + options_.session_absolute_ttl_seconds;
  }
  session.scope = std::string(scope);
  session.user_agent = CleanUserAgent(client.user_agent);
  session.client_ip = client.address;
  session.dpop_jkt = client.dpop_jkt;  // a login with a DPoP proof binds the session (RFC 9449 §5)
  std::optional<MintedPair> minted;
  auto committed = store_->Transact([&](StoreTx& tx) -> Result<void> {
    // Re-read: a logout-all or a disable may have landed during the Argon2id verify.
    auto user = tx.FindUserById(user_id);
    if (!user.ok()) return user.error();
    if (!user->has_value() || (*user)->disabled) return BadCredentials();
    auto pair = families_->MintPair(session, (*user)->token_version, now);
    if (!pair.ok()) return pair.error();
    JWTD_RETURN_IF_ERROR(tx.InsertSession(session));
    JWTD_RETURN_IF_ERROR(tx.InsertRefresh(pair->record));
    JWTD_RETURN_IF_ERROR(
        tx.AppendAudit(MakeAudit(AuditKind::kLoginSucceeded, AuditReason::kPassword, user_id,
                                 session.id, client.address, now)));
    minted = std::move(*pair);
    return Ok();
  });
  if (!committed.ok()) return committed.error();
  return std::move(minted->response);
}

}  // namespace jwtd::auth
