// The key ring of a verifier that follows another node (verifier.feed_url): that node's public
// keys, from its GET /.well-known/jwks.json. It signs nothing (signer() is null), rotates and
// revokes nothing (kPermissionDenied); key revocations reach it through the revocation feed
// like every other entry (kind "key"), and refused kids leave its set with the node's JWKS.
//
// Refreshed by Tick() (the maintenance thread, every 200 ms): every `refresh_every`, and soon
// after a token named an unknown kid (OnUnknownKid), at most once per `min_refetch`, so a flood
// of tokens with made-up kids costs the node one JWKS request per interval. A failed fetch keeps
// the keys it has.
//
// Thread-safety: verifier()/public_jwks()/List()/OnUnknownKid() are lock-free; Tick/Reload are
// serialised internally.
#pragma once

#include <chrono>
#include <memory>

#include "app/feed_http.h"
#include "jwtd/auth/key_ring.h"
#include "jwtd/clock.h"
#include "jwtd/result.h"

namespace jwtd::app {

struct RemoteKeyRingOptions {
  std::chrono::milliseconds timeout{1000};           // one JWKS request
  std::chrono::milliseconds refresh_every{300'000};  // the JWKS's Cache-Control max-age
  std::chrono::milliseconds min_refetch{10'000};     // between fetches for an unknown kid
};

// Fetches the JWKS before returning: kUnavailable when the node cannot be read,
// kInvalidArgument when what it serves is not a usable JWKS. `clock` must outlive the ring.
Result<std::unique_ptr<auth::KeyRing>> OpenRemoteKeyRing(FeedOrigin origin,
                                                         jose::VerifyOptions verify,
                                                         RemoteKeyRingOptions options,
                                                         const Clock* clock);

}  // namespace jwtd::app
