// DPoP proofs (RFC 9449 §4.3): the checks that need no state, as jwtd makes them (its
// src/jose/dpop_proof.cc), in its order: size and syntax; typ dpop+jwt; no crit; an allowed
// asymmetric alg (never none, never HS*); a public jwk of that alg (no private members); the
// signature under that jwk; htm, htu (normalised, query and fragment ignored), a jti, iat within
// [now - window, now + skew], ath when an access token comes with the proof; a string nonce.
// The replay check (§11.1) is the caller's: it needs state (replay.js, and the optional shared
// replay store).
//
// Every refusal is a VerificationError with reason 'invalid', errorCode 'invalid_dpop_proof'
// and dpop set; its detail names the check and never holds the proof, a key or the token.
import { createHash, timingSafeEqual } from 'node:crypto';
import { calculateJwkThumbprint, compactVerify, importJWK } from 'jose';
import { decodeStrict } from './base64url.js';
import { VerifiedCache } from './cache.js';
import { VerificationError, invalid } from './errors.js';
import { replayStoreOf } from './replay.js';
import { parseObject } from './strict_json.js';
import { splitToken } from './token.js';

export const DPOP_DEFAULTS = Object.freeze({
  algs: Object.freeze(['ES256', 'EdDSA']), windowSeconds: 60, skewSeconds: 5,
  replayEntries: 100000, maxProofBytes: 4096, replayStore: null,
});

// Algorithms a proof may use: asymmetric only (RFC 9449 §4.3 step 5); jose checks that the
// jwk's kty and crv fit the alg when it imports the key.
export const PROOF_ALGS = new Set(['ES256', 'ES384', 'ES512', 'EdDSA', 'RS256', 'PS256']);

// Members only a private or symmetric JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

// The members RFC 7638 hashes; they must be strict base64url so that one key has one thumbprint.
const THUMBPRINT_MEMBERS = { EC: ['x', 'y'], OKP: ['x'], RSA: ['n', 'e'] };

const MAX_JTI = 256;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function proofFailure(detail) {
  return new VerificationError('invalid', detail, { errorCode: 'invalid_dpop_proof', dpop: true });
}

// What a proof is refused with when its replay check cannot be made (a 503, never an accept):
// the local cache is full, or the shared store failed. The middleware words them apart.
export const REPLAY_FULL = 'too many DPoP proofs in the replay window';
export const REPLAY_STORE_FAILED = 'the shared DPoP replay store did not answer';

export function replayUnavailable(detail, retryAfter) {
  return new VerificationError('stale', detail, { errorCode: 'temporarily_unavailable', dpop: true, retryAfter });
}

// A binding refusal (RFC 9449 §7.1): about the token, not the proof.
export function bindingFailure(detail) {
  return new VerificationError('invalid', detail, { errorCode: 'invalid_token', dpop: true });
}

// Checked dpop options (the verifier's `dpop` option merged over DPOP_DEFAULTS).
export function dpopOptions(given) {
  const o = { ...DPOP_DEFAULTS, ...Object.fromEntries(Object.entries(given ?? {}).filter(([, v]) => v !== undefined)) };
  if (!Array.isArray(o.algs) || o.algs.length === 0 || !o.algs.every((a) => PROOF_ALGS.has(a))) {
    throw new TypeError(`dpop.algs: one or more of ${[...PROOF_ALGS].join(', ')} (never none or HS*)`);
  }
  for (const [name, min] of [['windowSeconds', 1], ['skewSeconds', 0], ['replayEntries', 2], ['maxProofBytes', 64]]) {
    if (!Number.isSafeInteger(o[name]) || o[name] < min) throw new TypeError(`dpop.${name}: an integer >= ${min}`);
  }
  return Object.freeze({ ...o, algs: Object.freeze([...o.algs]), replayStore: replayStoreOf(o.replayStore) });
}

// base64url(SHA-256(access token)): the ath claim (RFC 9449 §4.2).
export function accessTokenHash(token) {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

// The key a verified token is bound to: cnf.jkt (RFC 9449 §6.1), or null without cnf. A cnf
// without a jkt string is another confirmation method (mTLS x5t#S256, ...) that this verifier
// cannot check: never a bearer token, so it is refused.
export function boundThumbprint(claims) {
  if (claims.cnf === undefined) return null;
  const jkt = claims.cnf?.jkt;
  if (typeof jkt !== 'string' || jkt === '') throw invalid('cnf holds no jkt: a confirmation method this verifier cannot check');
  return jkt;
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

// RFC 3986 §6.2.2.2: percent-encoded unreserved characters decoded, other hex in upper case.
function normalizePath(path) {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    if (path[i] !== '%') {
      out += path[i];
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
    const c = String.fromCharCode(parseInt(hex, 16));
    out += UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return out;
}

// The form two htu values are compared in (RFC 9449 §4.3 step 9), as jwtd's NormalizeHtu:
// query and fragment removed, scheme and host in lower case, the default port dropped, an
// empty path as "/". null when `uri` is not an absolute http(s) URI. Deliberately not
// new URL(): WHATWG parsing also rewrites paths (dot segments, backslashes), which jwtd does not.
export function normalizeHtu(uri) {
  if (typeof uri !== 'string') return null;
  const cut = uri.search(/[?#]/);
  const u = cut < 0 ? uri : uri.slice(0, cut);
  const sep = u.indexOf('://');
  if (sep < 0) return null;
  const scheme = u.slice(0, sep).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return null;
  const rest = u.slice(sep + 3);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '/' : rest.slice(slash);
  // No userinfo in an http(s) target (RFC 9110 §4.2.4); an IPv6 literal keeps its colons.
  if (authority === '' || authority.includes('@')) return null;
  let colon = authority.lastIndexOf(':');
  if (colon < authority.lastIndexOf(']')) colon = -1;
  const host = colon < 0 ? authority : authority.slice(0, colon);
  const port = colon < 0 ? '' : authority.slice(colon + 1);
  if (host === '' || !/^[0-9]*$/.test(port)) return null;
  const defaultPort = scheme === 'https' ? '443' : '80';
  const normalPath = normalizePath(path);
  if (normalPath === null) return null;
  return `${scheme}://${host.toLowerCase()}${port !== '' && port !== defaultPort ? `:${port}` : ''}${normalPath}`;
}

// RFC 7515 §4.1.9 as for every typ: case-insensitive, the "application/" prefix optional.
function isDpopTyp(typ) {
  if (typeof typ !== 'string') return false;
  const t = typ.toLowerCase();
  return (t.startsWith('application/') ? t.slice(12) : t) === 'dpop+jwt';
}

function sameString(a, b) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// RFC 9449 §4.3 steps 3-7 on the header: { key, alg, jkt } or a proof failure.
async function keyFromHeader(header, algs) {
  if (!isDpopTyp(header.typ)) throw proofFailure('typ is not dpop+jwt');
  if ('crit' in header) throw proofFailure('crit in the proof header');
  const alg = header.alg;
  if (typeof alg !== 'string' || !algs.includes(alg)) throw proofFailure('proof alg not allowed');
  const jwk = header.jwk;
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) throw proofFailure('proof header has no jwk object');
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) throw proofFailure('proof jwk has private members');
  const members = THUMBPRINT_MEMBERS[jwk.kty];
  if (members === undefined || !members.every((m) => typeof jwk[m] === 'string' && decodeStrict(jwk[m]) !== null)) {
    throw proofFailure('proof jwk is not a public key in strict base64url');
  }
  let key;
  try {
    key = await importJWK({ ...jwk, ext: undefined, key_ops: undefined, alg: undefined }, alg);
  } catch {
    throw proofFailure('proof jwk does not import for its alg');
  }
  return { key, alg, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

// RFC 9449 §4.3 steps 8-12 on the verified payload.
function checkClaims(payloadB64, request, options, now) {
  const bytes = decodeStrict(payloadB64);
  let parsed;
  try {
    parsed = parseObject(UTF8.decode(bytes));
  } catch {
    throw proofFailure('proof payload is not a strict JSON object');
  }
  const { value: c, integers } = parsed;
  if (typeof c.htm !== 'string' || typeof c.htu !== 'string' || typeof c.jti !== 'string' ||
      c.jti === '' || Buffer.byteLength(c.jti, 'utf8') > MAX_JTI || !integers.has('iat')) {
    throw proofFailure('proof lacks htm, htu, a jti or an integer iat');
  }
  // RFC 9110 §9.1: methods are case-sensitive.
  if (c.htm !== request.method) throw proofFailure('htm differs from the request method');
  const got = normalizeHtu(c.htu);
  if (got === null || got !== normalizeHtu(request.uri)) throw proofFailure('htu differs from the request URI');
  if (c.iat > now + options.skewSeconds || c.iat < now - options.windowSeconds) {
    throw proofFailure('proof iat outside the window');
  }
  if (request.accessToken !== undefined &&
      (typeof c.ath !== 'string' || !sameString(c.ath, accessTokenHash(request.accessToken)))) {
    throw proofFailure("ath differs from the access token's hash");
  }
  if (c.nonce !== undefined && typeof c.nonce !== 'string') throw proofFailure('proof nonce is not a string');
  return { jti: c.jti, iat: c.iat, nonce: c.nonce };
}

// Verifies proofs for one set of options. The checked header is cached by its exact text (a
// client repeats it byte for byte in every proof), so a warm proof skips the JWK import and the
// thumbprint; the cache holds public keys only, and is bounded.
export class ProofVerifier {
  constructor(options, cacheEntries = 1000) {
    this.options = options;
    this.headers = new VerifiedCache(cacheEntries);
  }

  // { jkt, jti, iat, nonce } for a valid proof of `request` = { method, uri, accessToken? } at
  // `now` (Unix seconds), else a proof failure.
  async verify(proof, request, now) {
    let parts;
    try {
      parts = splitToken(proof, this.options.maxProofBytes);
    } catch {
      throw proofFailure('proof is not a JWS compact value of bounded size');
    }
    const digest = VerifiedCache.digest(proof.slice(0, proof.indexOf('.')));
    let checked = this.headers.get(digest);
    if (checked === undefined) {
      checked = await keyFromHeader(parts.header, this.options.algs);
      this.headers.set(digest, checked);
    }
    try {
      await compactVerify(proof, checked.key, { algorithms: [checked.alg] });
    } catch {
      throw proofFailure('proof signature does not verify with its jwk');
    }
    return { jkt: checked.jkt, ...checkClaims(parts.payloadB64, request, this.options, now) };
  }
}
