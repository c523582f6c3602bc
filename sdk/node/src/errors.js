// The one error verify() throws. `reason` is the decision of docs/verifying.md:
//   'expired' — past exp (+ leeway) or over the lifetime cap: refresh and retry;
//   'revoked' — a revocation-feed entry refuses it: sign in again;
//   'stale'   — the revocation view is not current: temporarily unavailable, never "signed out";
//   'invalid' — everything else.
// `detail` names the precise check for logs and metrics; it is not meant for the client (a
// client learns at most expired vs revoked, as jwtd's own 401s say).

export const REASONS = Object.freeze(['expired', 'revoked', 'invalid', 'stale']);

export class VerificationError extends Error {
  constructor(reason, detail) {
    super(`token ${reason}: ${detail}`);
    this.name = 'VerificationError';
    this.reason = reason;
    this.detail = detail;
  }
}

export const invalid = (detail) => new VerificationError('invalid', detail);
export const expired = (detail) => new VerificationError('expired', detail);
export const revoked = (detail) => new VerificationError('revoked', detail);
export const stale = (detail) => new VerificationError('stale', detail);
