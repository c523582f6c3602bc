// What a refused request gets, shared by the Express and Fastify adapters. RFC 6750 §3: no
// token → 401 with a bare `Bearer` challenge; a bad one → 401 with error="invalid_token" (the
// body says expired vs revoked at most, as jwtd's own 401s do); a stale view → 503 with
// Retry-After, since the token may well be good (docs/verifying.md: "temporarily unavailable,
// never signed out").

const DESCRIPTION = { expired: 'token expired', revoked: 'token revoked', invalid: 'invalid token' };

// The bearer token of an Authorization header (RFC 6750 §2.1), or null.
export function bearerToken(header) {
  if (typeof header !== 'string') return null;
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return m === null ? null : m[1];
}

// { status, headers, body } for a request without a usable token (err null) or a refused one.
export function refusal(err) {
  if (err === null) {
    return { status: 401, headers: { 'www-authenticate': 'Bearer' },
      body: { error: 'invalid_request', error_description: 'bearer token required' } };
  }
  if (err?.reason === 'stale') {
    return { status: 503, headers: { 'retry-after': '1' },
      body: { error: 'temporarily_unavailable', error_description: 'revocation view not current' } };
  }
  if (err?.name !== 'VerificationError') throw err;  // a bug, not a verdict: let the framework answer 500
  return { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    body: { error: 'invalid_token', error_description: DESCRIPTION[err.reason] ?? 'invalid token' } };
}
