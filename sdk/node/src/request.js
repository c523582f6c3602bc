// The credentials of a request's Authorization header: `Bearer <token>` (RFC 6750 §2.1) or
// `DPoP <token>` (RFC 9449 §7.1), the scheme case-insensitive (RFC 9110 §11.1), the token one
// b64token. Pure; thread-safe.

const CREDENTIAL = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i;

// { scheme: 'Bearer' | 'DPoP', token } or null (no header, another scheme, a malformed value).
export function credentialOf(header) {
  if (typeof header !== 'string') return null;
  const m = CREDENTIAL.exec(header);
  if (m === null) return null;
  return { scheme: m[1].toLowerCase() === 'bearer' ? 'Bearer' : 'DPoP', token: m[2] };
}
