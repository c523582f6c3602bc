// The token-level steps of docs/verifying.md §1, as pure functions: splitting and decoding the
// JWS compact form (size, syntax), the header rules, and the claim rules. The signature (step 4)
// and the key lookup are the verifier's (verifier.js); freshness and revocation are the feed's.
// Each function throws a VerificationError on the first failure. Pure; thread-safe.
import { decodeStrict } from './base64url.js';
import { expired, invalid } from './errors.js';
import { parseObject } from './strict_json.js';

// 9999-12-31T23:59:59Z, the largest NumericDate jwtd accepts.
const MAX_NUMERIC_DATE = 253402300799;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeJsonSegment(b64, what) {
  const bytes = decodeStrict(b64);
  if (bytes === null) throw invalid(`${what}: not strict base64url`);
  let text;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw invalid(`${what}: not UTF-8`);
  }
  try {
    return parseObject(text);
  } catch (e) {
    throw invalid(`${what}: ${e.message}`);
  }
}

// Steps 1-2 and the header's own JSON: returns { header, payloadB64, signatureB64 }.
export function splitToken(token, maxBytes) {
  if (typeof token !== 'string') throw invalid('token is not a string');
  // Before any decoding: bounded work on what an attacker sends (step 1). For the ASCII that a
  // JWS is, characters are bytes; anything else fails the base64url check below.
  if (token.length > maxBytes) throw invalid('token too large');
  const a = token.indexOf('.');
  const b = a < 0 ? -1 : token.indexOf('.', a + 1);
  if (b < 0 || token.indexOf('.', b + 1) >= 0) throw invalid('not a JWS compact serialization');
  const payloadB64 = token.slice(a + 1, b);
  const signatureB64 = token.slice(b + 1);
  if (decodeStrict(payloadB64) === null || decodeStrict(signatureB64) === null) {
    throw invalid('segment: not strict base64url');
  }
  const { value: header } = decodeJsonSegment(token.slice(0, a), 'header');
  return { header, payloadB64 };
}

// RFC 7515 §4.1.9: compared case-insensitively, the "application/" prefix optional.
function bareTyp(typ) {
  const t = typ.toLowerCase();
  return t.startsWith('application/') ? t.slice('application/'.length) : t;
}

// Step 3 without the key: alg present and not none, no crit, the access-token typ, a kid.
// Returns the kid; the caller finds its key and checks that the key's alg is header.alg.
export function checkHeader(header, typ) {
  if (typeof header.alg !== 'string') throw invalid('header: no alg');
  // RFC 8725 §2.1, §3.1: none never verifies, however it is spelled.
  if (header.alg.toLowerCase() === 'none') throw invalid('header: alg none');
  // RFC 7515 §4.1.11: crit names extensions that must be understood; none is implemented.
  if ('crit' in header) throw invalid('header: crit');
  // RFC 8725 §3.11, RFC 9068 §2.1: only an at+jwt is an access token.
  if (typeof header.typ !== 'string' || bareTyp(header.typ) !== bareTyp(typ)) {
    throw invalid('header: typ is not an access token');
  }
  if (typeof header.kid !== 'string') throw invalid('header: no kid');
  return header.kid;
}

function numericDate(claims, integers, name, required) {
  const v = claims[name];
  if (v === undefined && !required) return;
  if (!integers.has(name) || v < 0 || v > MAX_NUMERIC_DATE) {
    throw invalid(`claims: ${name} is not an integer NumericDate`);
  }
}

function deepFreeze(v) {
  if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) deepFreeze(v[k]);
    Object.freeze(v);
  }
  return v;
}

// The claims set of a token whose signature verified: JSON, and registered claims of the
// types jwtd's tokens use (RFC 7519 §4.1). Returns the frozen claims (they are cached and
// shared between callers).
export function parseClaims(payloadB64) {
  const { value: c, integers } = decodeJsonSegment(payloadB64, 'claims');
  numericDate(c, integers, 'exp', true);
  numericDate(c, integers, 'nbf', false);
  numericDate(c, integers, 'iat', false);
  for (const name of ['iss', 'sub', 'jti', 'sid', 'scope', 'client_id']) {
    if (c[name] !== undefined && typeof c[name] !== 'string') {
      throw invalid(`claims: ${name} is not a string`);
    }
  }
  const aud = c.aud;
  if (aud !== undefined && typeof aud !== 'string' &&
      !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) {
    throw invalid('claims: aud is neither a string nor an array of strings');
  }
  if (c.ver !== undefined && (!integers.has('ver') || c.ver < 0)) {
    throw invalid('claims: ver is not a non-negative integer');
  }
  return deepFreeze(c);
}

// Steps 5-6 at `now` (Unix seconds). Time-dependent, so it runs on every use of a cached token.
// settings: { issuer, audience, leeway, maxLifetime }.
export function checkClaims(c, settings, now) {
  const leeway = settings.leeway;
  // RFC 7519 §4.1.4: the current time must be before exp (with leeway for clock skew).
  if (now >= c.exp + leeway) throw expired('exp passed');
  // RFC 7519 §4.1.5.
  if (c.nbf !== undefined && now < c.nbf - leeway) throw invalid('not yet valid (nbf)');
  // RFC 8725 §3.10: a token from the future is refused.
  if (c.iat !== undefined && c.iat > now + leeway) throw invalid('issued in the future (iat)');
  if (c.iss !== settings.issuer) throw invalid('wrong issuer');
  const aud = c.aud;
  if (aud !== settings.audience && !(Array.isArray(aud) && aud.includes(settings.audience))) {
    throw invalid('wrong audience');
  }
  // jwtd keeps a revocation entry only access_token_max_lifetime after the revocation, so a
  // token living longer would outlive its own logout; it reads as expired so a client refreshes.
  if (c.iat === undefined || c.exp - c.iat > settings.maxLifetime) {
    throw expired('lifetime above access_token_max_lifetime');
  }
}

// jwtd's access tokens always carry these (docs/verifying.md); without them the revocation
// entries that would refuse the token could not match it.
export function checkIdentity(c) {
  if (typeof c.sub !== 'string' || typeof c.jti !== 'string' || typeof c.sid !== 'string' ||
      c.ver === undefined) {
    throw invalid('claims: sub, jti, sid or ver missing');
  }
}
