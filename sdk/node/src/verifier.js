// Verifier: decides a jwtd access token the way jwtd does (docs/verifying.md), in its order,
// the first failure deciding: size and syntax, header, signature, claims and the lifetime cap,
// freshness of the revocation view, the view itself.
//
// It is built from parts (settings, a KeyStore, a feed with `view` and `ageMs()`, a clock), so
// the same code decides for createVerifier()'s live follower and for fixed inputs (the
// conformance vectors). Single-threaded (one event loop).
import { compactVerify } from 'jose';
import { VerifiedCache } from './cache.js';
import { invalid, revoked, stale } from './errors.js';
import { checkClaims, checkHeader, checkIdentity, parseClaims, splitToken } from './token.js';

export const systemClock = Object.freeze({
  now: () => Date.now(),
  monotonic: () => performance.now(),
});

export class Verifier {
  // settings: { issuer, audience, typ, leeway, maxLifetime, maxTokenBytes }
  // feed: { view, ageMs(), status?(), close?() }
  constructor({ settings, keys, feed, clock = systemClock, staleAfterMs = 1000, failOpen = false,
    cacheEntries = 10000, logger = null, onClose = null }) {
    this.settings = Object.freeze({ ...settings });
    this.keys = keys;
    this.feed = feed;
    this.clock = clock;
    this.staleAfterMs = staleAfterMs;
    this.failOpen = failOpen;
    this.logger = logger;
    this.onClose = onClose;
    this.cache = new VerifiedCache(cacheEntries);
    this.failingOpen = false;
    this.closed = false;
    // A key that left the JWKS takes its cached tokens with it.
    keys.onChange = () => this.cache.clear();
    if (failOpen) this.logger?.warn('verifier: failOpen is set: a stale revocation view will NOT refuse tokens');
  }

  // The verified claims, or a VerificationError with .reason.
  async verify(token) {
    if (typeof token !== 'string') throw invalid('token is not a string');
    if (token.length > this.settings.maxTokenBytes) throw invalid('token too large');
    const digest = VerifiedCache.digest(token);
    let hit = this.cache.get(digest);
    if (hit !== undefined && !this.keys.has(hit.kid)) {
      this.cache.delete(digest);
      hit = undefined;
    }
    if (hit === undefined) {
      hit = await this.verifySignature(token);
      this.cache.set(digest, hit);
    }
    return this.decide(hit);
  }

  // Steps 1-4 and the claims' shape: { claims, kid }.
  async verifySignature(token) {
    const { header, payloadB64 } = splitToken(token, this.settings.maxTokenBytes);
    const kid = checkHeader(header, this.settings.typ);
    const key = await this.keys.find(kid);
    if (key === undefined) throw invalid('unknown kid');
    // The key pins the algorithm; the header must agree (RFC 8725 §3.1: alg confusion).
    if (header.alg !== key.alg) throw invalid('alg does not match the key');
    try {
      await compactVerify(token, key.key, { algorithms: [key.alg] });
    } catch {
      throw invalid('bad signature');
    }
    return { claims: parseClaims(payloadB64), kid };
  }

  // Steps 5-8 for verified claims: run on every use, cached or not.
  decide({ claims, kid }) {
    const now = Math.floor(this.clock.now() / 1000);
    checkClaims(claims, this.settings, now);
    if (!(this.feed.ageMs() <= this.staleAfterMs)) {
      if (!this.failOpen) throw stale('revocation view not current');
      if (!this.failingOpen) {
        this.failingOpen = true;
        this.logger?.warn('verifier: revocation view is stale; failing OPEN as configured (revoked tokens may pass)');
      }
    } else if (this.failingOpen) {
      this.failingOpen = false;
      this.logger?.warn('verifier: revocation view current again; no longer failing open');
    }
    const why = this.feed.view.check(claims, kid, now);
    if (why !== null) throw revoked(`by a ${why} entry`);
    checkIdentity(claims);
    return claims;
  }

  status() {
    const age = this.feed.ageMs();
    return {
      current: age <= this.staleAfterMs,
      ageMs: Number.isFinite(age) ? Math.round(age) : null,
      staleAfterMs: this.staleAfterMs,
      failOpen: this.failOpen,
      failingOpen: this.failOpen && !(age <= this.staleAfterMs),
      ...(this.feed.status?.() ?? { entries: this.feed.view.sizes() }),
      keys: [...this.keys.keys.keys()],
      cache: { entries: this.cache.size, maxEntries: this.cache.maxEntries },
      closed: this.closed,
    };
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    this.keys.close();
    await this.feed.close?.();
    await this.onClose?.();
  }
}
