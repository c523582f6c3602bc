// What a refused request gets, shared by the Express and Fastify adapters. RFC 6750 §3: no
// token → 401 with a bare challenge (`Bearer`, plus `DPoP algs="..."` when the adapter takes
// DPoP); a bad one → 401 with error="invalid_token" (the body says expired vs revoked at most,
// as jwtd's own 401s do); a refusal by the DPoP rules → 401 with a `DPoP` challenge
// (RFC 9449 §7.1: error="invalid_dpop_proof" for the proof, "invalid_token" for the binding),
// as jwtd answers; a stale view (or a DPoP replay check that could not be made: the cache
// full, the shared store failing) → 503 with Retry-After, since the token may well be good
// (docs/verifying.md: "temporarily unavailable, never signed out").
import { REPLAY_FULL, REPLAY_STORE_FAILED } from '../dpop.js';
import { credentialOf } from '../request.js';

const DESCRIPTION = { expired: 'token expired', revoked: 'token revoked', invalid: 'invalid token' };
const DPOP_DESCRIPTION = { invalid_dpop_proof: 'invalid DPoP proof', invalid_token: 'DPoP binding refused' };
const STALE_DESCRIPTION = { [REPLAY_FULL]: 'too many DPoP proofs, retry later',
  [REPLAY_STORE_FAILED]: 'DPoP replay check unavailable, retry later' };

// The bearer token of an Authorization header (RFC 6750 §2.1), or null.
export function bearerToken(header) {
  const c = credentialOf(header);
  return c !== null && c.scheme === 'Bearer' ? c.token : null;
}

// The challenge of a request without credentials: `Bearer`, and DPoP with its algorithms when
// the adapter takes DPoP requests (as jwtd in dpop.mode optional).
export function challenge(dpopAlgs) {
  return dpopAlgs ? `Bearer, DPoP algs="${dpopAlgs.join(' ')}"` : 'Bearer';
}

// { status, headers, body } for a request without a usable token (err null) or a refused one.
// `dpopAlgs`: the verifier's proof algorithms when the adapter takes DPoP, else null.
export function refusal(err, dpopAlgs = null) {
  if (err === null) {
    return { status: 401, headers: { 'www-authenticate': challenge(dpopAlgs) },
      body: { error: 'invalid_request', error_description: 'bearer token required' } };
  }
  if (err?.name !== 'VerificationError') throw err;  // a bug, not a verdict: let the framework answer 500
  if (err.reason === 'stale') {
    return { status: 503, headers: { 'retry-after': String(err.retryAfter ?? 1) },
      body: { error: 'temporarily_unavailable',
        error_description: STALE_DESCRIPTION[err.detail] ?? 'revocation view not current' } };
  }
  if (err.dpop) {
    return { status: 401, headers: { 'www-authenticate': `DPoP error="${err.errorCode}"` },
      body: { error: err.errorCode, error_description: DPOP_DESCRIPTION[err.errorCode] ?? 'invalid DPoP request' } };
  }
  return { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    body: { error: 'invalid_token', error_description: DESCRIPTION[err.reason] ?? 'invalid token' } };
}
