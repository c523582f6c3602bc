// The one error verify() and verifyRequest() throw. `reason` is the decision of
// docs/verifying.md:
//   'expired' — past exp (+ leeway) or over the lifetime cap: refresh and retry;
//   'revoked' — a revocation-feed entry refuses it: sign in again;
//   'stale'   — the revocation view is not current (or a DPoP proof's replay check could not
//               be made: the replay cache full, the shared replay store failing):
//               temporarily unavailable, never "signed out";
//   'invalid' — everything else.
// `errorCode` is the OAuth error a resource server answers with (RFC 6750 §3.1, RFC 9449
// §7.1): 'invalid_token', 'invalid_dpop_proof' (the DPoP proof is wrong), 'invalid_request'
// (no usable Authorization header) or 'temporarily_unavailable' (stale). `dpop` is true when
// the DPoP rules refused the request (the proof, or how the token is bound to it): the
// challenge is then `DPoP`, as jwtd's own. `detail` names the precise check for logs and
// metrics; it is not meant for the client (a client learns at most expired vs revoked, as
// jwtd's own 401s say), and it never holds a token, a proof or a key.

export const REASONS = Object.freeze(['expired', 'revoked', 'invalid', 'stale']);

export class VerificationError extends Error {
  constructor(reason, detail, { errorCode, dpop = false, retryAfter } = {}) {
    super(`token ${reason}: ${detail}`);
    this.name = 'VerificationError';
    this.reason = reason;
    this.detail = detail;
    this.errorCode = errorCode ?? (reason === 'stale' ? 'temporarily_unavailable' : 'invalid_token');
    this.dpop = dpop;
    if (retryAfter !== undefined) this.retryAfter = retryAfter;
  }
}

export const invalid = (detail) => new VerificationError('invalid', detail);
export const expired = (detail) => new VerificationError('expired', detail);
export const revoked = (detail) => new VerificationError('revoked', detail);
export const stale = (detail) => new VerificationError('stale', detail);
