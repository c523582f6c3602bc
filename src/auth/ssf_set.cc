// The SETs of jwtd's transmitter. Subjects (RFC 9493): a user is iss_sub (its `sub` is the
// user id, as in access tokens); one session of a user is a complex subject {user, session},
// the session an opaque id (the sid claim of its tokens); a verification event's subject is the
// stream (opaque, SSF §8.1.4).
#include "jwtd/auth/ssf_set.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

namespace jwtd::auth {
namespace {

boost::json::object UserSubject(std::string_view issuer, std::int64_t user_id) {
  boost::json::object sub;
  sub["format"] = "iss_sub";
  sub["iss"] = issuer;
  sub["sub"] = std::to_string(user_id);
  return sub;
}

// CAEP 1.0 §2 initiating_entity: who caused the session to end or the credential to change.
std::string_view InitiatingEntity(std::string_view reason) {
  if (reason == "logout" || reason == "logout_all" || reason == "session_ended" ||
      reason == "revoked" || reason == "password_changed") {
    return "user";
  }
  if (reason == "reuse_detected") return "policy";
  return "admin";  // operator_revoked, user_revoked, user_disabled, password_reset
}

boost::json::object EventBody(const SecurityEvent& e) {
  boost::json::object body;
  switch (e.kind) {
    case SecurityEventKind::kSessionRevoked: {
      body["event_timestamp"] = e.at;
      body["initiating_entity"] = InitiatingEntity(e.reason);
      boost::json::object reason;
      reason["en"] = e.reason;
      body["reason_admin"] = std::move(reason);
      break;
    }
    case SecurityEventKind::kCredentialChange:
      // CAEP 1.0 §3.3: credential_type and change_type are required; a password is only ever
      // replaced (an account always has one), so the change is an update.
      body["credential_type"] = "password";
      body["change_type"] = "update";
      body["event_timestamp"] = e.at;
      body["initiating_entity"] = InitiatingEntity(e.reason);
      break;
    case SecurityEventKind::kVerification:
      if (!e.reason.empty()) body["state"] = e.reason;
      break;
  }
  return body;
}

boost::json::object SubjectOf(const SecurityEvent& e, const SsfStream& stream,
                              std::string_view issuer) {
  if (e.kind == SecurityEventKind::kVerification) {
    boost::json::object sub;
    sub["format"] = "opaque";
    sub["id"] = stream.id;
    return sub;
  }
  if (e.session_id.empty()) return UserSubject(issuer, e.user_id);
  boost::json::object session;
  session["format"] = "opaque";
  session["id"] = e.session_id;
  boost::json::object sub;
  sub["format"] = "complex";
  sub["user"] = UserSubject(issuer, e.user_id);
  sub["session"] = std::move(session);
  return sub;
}

}  // namespace

std::vector<std::string> SsfEventsSupported() {
  return {std::string(kSessionRevokedUri), std::string(kCredentialChangeUri)};
}

std::optional<SecurityEventKind> SsfKindOf(std::string_view uri) {
  if (uri == kSessionRevokedUri) return SecurityEventKind::kSessionRevoked;
  if (uri == kCredentialChangeUri) return SecurityEventKind::kCredentialChange;
  if (uri == kVerificationUri) return SecurityEventKind::kVerification;
  return std::nullopt;
}

std::string_view SsfEventUri(SecurityEventKind kind) {
  switch (kind) {
    case SecurityEventKind::kSessionRevoked:
      return kSessionRevokedUri;
    case SecurityEventKind::kCredentialChange:
      return kCredentialChangeUri;
    case SecurityEventKind::kVerification:
      return kVerificationUri;
  }
  return kVerificationUri;
}

std::uint32_t SsfKindsOf(const std::vector<std::string>& delivered) {
  std::uint32_t kinds = 1u << static_cast<unsigned>(SecurityEventKind::kVerification);
  for (const auto& uri : delivered) {
    if (auto kind = SsfKindOf(uri)) kinds |= 1u << static_cast<unsigned>(*kind);
  }
  return kinds;
}

std::vector<std::string> SsfEventsDelivered(const std::vector<std::string>& requested) {
  if (requested.empty()) return SsfEventsSupported();
  std::vector<std::string> out;
  for (const auto& uri : SsfEventsSupported()) {
    for (const auto& r : requested) {
      if (r == uri) {
        out.push_back(uri);
        break;
      }
    }
  }
  return out;
}

std::string SsfJti(std::string_view stream_id, std::int64_t event_id) {
  return std::to_string(event_id) + "." + std::string(stream_id);
}

std::optional<std::int64_t> SsfEventIdOf(std::string_view jti, std::string_view stream_id) {
  const auto dot = jti.find('.');
  if (dot == std::string_view::npos || dot == 0 || jti.substr(dot + 1) != stream_id) {
    return std::nullopt;
  }
  std::int64_t id = 0;
  const auto* end = jti.data() + dot;
  auto [ptr, ec] = std::from_chars(jti.data(), end, id);
  if (ec != std::errc() || ptr != end || id <= 0) return std::nullopt;
  return id;
}

std::string SsfSetClaims(const SecurityEvent& event, const SsfStream& stream,
                         std::string_view issuer, std::int64_t now) {
  boost::json::object claims;
  claims["iss"] = issuer;
  claims["iat"] = now;
  claims["jti"] = SsfJti(stream.id, event.id);
  claims["aud"] = stream.audience;
  if (!event.txn.empty()) claims["txn"] = event.txn;
  claims["sub_id"] = SubjectOf(event, stream, issuer);
  boost::json::object events;
  events[SsfEventUri(event.kind)] = EventBody(event);
  claims["events"] = std::move(events);
  return boost::json::serialize(claims);
}

Result<std::string> SignSsfSet(const jose::Signer& signer, const SecurityEvent& event,
                               const SsfStream& stream, std::string_view issuer, std::int64_t now) {
  return signer.Sign(SsfSetClaims(event, stream, issuer, now), kSetTyp);
}

}  // namespace jwtd::auth
