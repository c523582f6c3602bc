// KeyStore: the issuer's public keys by kid, each with the algorithm it pins (docs/verifying.md
// §1 step 3: alg is never taken from the token). Loaded from the JWKS; refetched in the
// background every refreshMs, and on an unknown kid at most once per cooldownMs (jwtd publishes
// the next key a day before it signs with it, so an unknown kid is almost always a forgery and
// must not make us hammer the issuer).
//
// Single-threaded (one event loop). A fetch in flight is shared by every caller that needs it.
import { importJWK } from 'jose';

// Asymmetric algorithms only: an HMAC key is never published by jwtd, and accepting one would
// be algorithm confusion waiting to happen.
const ASYMMETRIC = new Set(['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'RS384',
  'RS512', 'PS256', 'PS384', 'PS512']);
const CURVE_ALG = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512', Ed25519: 'EdDSA' };

// jwk -> { kid, alg, key } or a string saying why the key is unusable.
async function importKey(jwk) {
  if (jwk === null || typeof jwk !== 'object' || typeof jwk.kid !== 'string') return 'no kid';
  if (jwk.use !== undefined && jwk.use !== 'sig') return `kid ${jwk.kid}: use is not sig`;
  const alg = jwk.alg ?? CURVE_ALG[jwk.crv];
  if (!ASYMMETRIC.has(alg)) return `kid ${jwk.kid}: unsupported alg ${alg}`;
  try {
    return { kid: jwk.kid, alg, key: await importJWK(jwk, alg) };
  } catch (e) {
    return `kid ${jwk.kid}: ${e.message}`;
  }
}

export class KeyStore {
  // fetchJwks: async () => jwks object, or null for a fixed key set (tests, vectors).
  constructor({ fetchJwks = null, cooldownMs = 30000, refreshMs = 300000, logger, monotonic }) {
    this.fetchJwks = fetchJwks;
    this.cooldownMs = cooldownMs;
    this.refreshMs = refreshMs;
    this.logger = logger;
    this.monotonic = monotonic;
    this.keys = new Map();
    this.generation = 0;  // bumps whenever the set of keys changes
    this.lastFetchAt = -Infinity;
    this.inFlight = null;
    this.timer = null;
    this.onChange = () => {};
  }

  async load(jwks) {
    if (jwks === null || typeof jwks !== 'object' || !Array.isArray(jwks.keys)) {
      throw new Error('JWKS has no keys array');
    }
    const next = new Map();
    for (const result of await Promise.all(jwks.keys.map(importKey))) {
      if (typeof result === 'string') this.logger?.warn(`jwks: skipping a key (${result})`);
      else next.set(result.kid, result);
    }
    const same = next.size === this.keys.size &&
        [...next].every(([kid, k]) => this.keys.get(kid)?.alg === k.alg);
    this.keys = next;
    if (!same) {
      this.generation++;
      this.onChange();
    }
  }

  get(kid) {
    return this.keys.get(kid);
  }

  has(kid) {
    return this.keys.has(kid);
  }

  // Fetches now, sharing a fetch in flight. Rejects when the fetch fails; the old keys stay.
  refresh() {
    if (this.fetchJwks === null) return Promise.resolve();
    if (this.inFlight === null) {
      this.lastFetchAt = this.monotonic();
      this.inFlight = this.fetchJwks()
        .then((jwks) => this.load(jwks))
        .finally(() => { this.inFlight = null; });
    }
    return this.inFlight;
  }

  // The key for an unknown kid after at most one refetch per cooldown, or undefined.
  async find(kid) {
    const k = this.keys.get(kid);
    if (k !== undefined || this.fetchJwks === null) return k;
    if (this.inFlight === null && this.monotonic() - this.lastFetchAt < this.cooldownMs) return undefined;
    try {
      await this.refresh();
    } catch (e) {
      this.logger?.warn(`jwks: refetch for an unknown kid failed: ${e.message}`);
    }
    return this.keys.get(kid);
  }

  startRefreshing() {
    if (this.fetchJwks === null || this.refreshMs <= 0) return;
    this.timer = setInterval(() => {
      this.refresh().catch((e) => this.logger?.warn(`jwks: refresh failed: ${e.message}`));
    }, this.refreshMs);
    this.timer.unref();
  }

  close() {
    clearInterval(this.timer);
  }
}
