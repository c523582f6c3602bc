// Security Event Tokens (RFC 8417) of jwtd's Shared Signals transmitter (OpenID SSF 1.0, CAEP
// 1.0): the event-type URIs, the delivery-method URNs, and the SET of one outbox event for one
// stream. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/auth/model.h"
#include "jwtd/auth/ssf_store.h"
#include "jwtd/jose/signer.h"
#include "jwtd/result.h"

namespace jwtd::auth {

inline constexpr std::string_view kSsfPushMethod = "urn:ietf:rfc:8935";
inline constexpr std::string_view kSsfPollMethod = "urn:ietf:rfc:8936";
inline constexpr std::string_view kSessionRevokedUri =
    "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
inline constexpr std::string_view kCredentialChangeUri =
    "https://schemas.openid.net/secevent/caep/event-type/credential-change";
inline constexpr std::string_view kVerificationUri =
    "https://schemas.openid.net/secevent/ssf/event-type/verification";
inline constexpr std::string_view kSetTyp = "secevent+jwt";

// The event types a stream can deliver (verification is always delivered, when asked for).
std::vector<std::string> SsfEventsSupported();
// The kind of an event-type URI jwtd emits; nullopt for any other URI.
std::optional<SecurityEventKind> SsfKindOf(std::string_view uri);
std::string_view SsfEventUri(SecurityEventKind kind);
// The bit set (SsfStream::kinds) of `delivered` URIs, verification always included.
std::uint32_t SsfKindsOf(const std::vector<std::string>& delivered);
// events_delivered: the requested URIs jwtd emits (all it emits when none were requested).
std::vector<std::string> SsfEventsDelivered(const std::vector<std::string>& requested);

// The jti of the SET of event `event_id` on `stream_id`: the same on every redelivery, so a
// receiver can drop duplicates (delivery is at least once). "<event id>.<stream id>".
std::string SsfJti(std::string_view stream_id, std::int64_t event_id);
// The event id of a jti made by SsfJti for this stream; nullopt otherwise.
std::optional<std::int64_t> SsfEventIdOf(std::string_view jti, std::string_view stream_id);

// The claims of the SET (iss, iat, jti, aud, txn, sub_id, events), as JSON.
std::string SsfSetClaims(const SecurityEvent& event, const SsfStream& stream,
                         std::string_view issuer, std::int64_t now);
// The signed SET: a JWS under the header typ "secevent+jwt" (RFC 8417 §2.3).
Result<std::string> SignSsfSet(const jose::Signer& signer, const SecurityEvent& event,
                               const SsfStream& stream, std::string_view issuer, std::int64_t now);

}  // namespace jwtd::auth
