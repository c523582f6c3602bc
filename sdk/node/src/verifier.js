// Verifier: decides a jwtd access token the way jwtd does (docs/verifying.md), in its order,
// the first failure deciding: size and syntax, header, signature, claims and the lifetime cap,
// freshness of the revocation view, the view itself; then how the token is bound (RFC 9449):
// verify(token) is a bearer request, verifyRequest() any request, DPoP-bound ones included.
//
// It is built from parts (settings, a KeyStore, a feed with `view` and `ageMs()`, a clock), so
// the same code decides for createVerifier()'s live follower and for fixed inputs (the
// conformance vectors). Single-threaded (one event loop).
import { compactVerify } from 'jose';
import { VerifiedCache } from './cache.js';
import { ProofVerifier, REPLAY_FULL, REPLAY_STORE_FAILED, bindingFailure, boundThumbprint, dpopOptions, proofFailure,
  replayUnavailable } from './dpop.js';
import { VerificationError, invalid, revoked, stale } from './errors.js';
import { ReplayCache } from './replay.js';
import { credentialOf } from './request.js';
import { checkClaims, checkHeader, checkIdentity, parseClaims, splitToken } from './token.js';

export const systemClock = Object.freeze({
  now: () => Date.now(),
  monotonic: () => performance.now(),
});

export class Verifier {
  // settings: { issuer, audience, typ, leeway, maxLifetime, maxTokenBytes }
  // feed: { view, ageMs(), status?(), close?() }
  // dpop: { algs, windowSeconds, skewSeconds, replayEntries, maxProofBytes, replayStore }
  // (dpop.js defaults)
  constructor({ settings, keys, feed, clock = systemClock, staleAfterMs = 1000, failOpen = false,
    cacheEntries = 10000, logger = null, onClose = null, dpop = {} }) {
    this.settings = Object.freeze({ ...settings });
    this.dpop = dpopOptions(dpop);
    this.proofs = new ProofVerifier(this.dpop);
    this.replay = new ReplayCache(this.dpop.windowSeconds + this.dpop.skewSeconds, this.dpop.replayEntries);
    this.replayStoreFailing = false;
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

  // The verified claims of a bearer token, or a VerificationError with .reason. A DPoP-bound
  // token is refused here (RFC 9449 §7.2: sent as a bearer token, it is what a thief sends).
  async verify(token) {
    const claims = await this.verifyToken(token);
    if (boundThumbprint(claims) !== null) throw bindingFailure('a DPoP-bound token sent as bearer');
    return claims;
  }

  // The verified claims for a request: { authorization, dpop, method, url } — the Authorization
  // header (Bearer or DPoP), the DPoP header's value(s), the request's method and its absolute
  // URL as the client addressed it (the resource server's configured origin + path; never the
  // Host header). In RFC 9449 §7's order: the token first, then its binding to the proof.
  async verifyRequest({ authorization, dpop, method, url } = {}) {
    const credential = credentialOf(authorization);
    if (credential === null) {
      throw new VerificationError('invalid', 'no Bearer or DPoP credentials', { errorCode: 'invalid_request' });
    }
    if (credential.scheme === 'Bearer') return this.verify(credential.token);
    const claims = await this.verifyToken(credential.token);
    const jkt = boundThumbprint(claims);
    if (jkt === null) throw bindingFailure('the DPoP scheme needs a DPoP-bound token');
    const proof = await this.checkProof(dpop, { method, uri: url, accessToken: credential.token });
    if (proof.jkt !== jkt) throw bindingFailure("the proof's key is not the token's");
    return claims;
  }

  // The one proof of a DPoP request, verified and recorded against replay: { jkt, ... }.
  async checkProof(dpop, request) {
    const values = Array.isArray(dpop) ? dpop : dpop === undefined || dpop === null ? [] : [dpop];
    if (values.length === 0) throw proofFailure('a DPoP-bound token without a proof');
    if (values.length > 1) throw proofFailure('more than one DPoP proof');  // §4.3 step 1
    if (typeof request.method !== 'string' || typeof request.uri !== 'string') {
      throw new TypeError('verifyRequest: method and url (absolute) are required with the DPoP scheme');
    }
    const now = Math.floor(this.clock.now() / 1000);
    const proof = await this.proofs.verify(String(values[0]).trim(), request, now);
    // Only accepted proofs are recorded: a refused one never burns its jti (as jwtd). The
    // local cache answers first, so a replay to this same process costs no round trip.
    switch (this.replay.add(proof.jkt, proof.jti, now)) {
      case 'new':
        return this.dpop.replayStore === null ? proof : this.claimShared(proof);
      case 'seen':
        throw proofFailure("the proof's jti was used before");
      default:
        throw replayUnavailable(REPLAY_FULL, this.dpop.windowSeconds);
    }
  }

  // A proof new to this process, claimed in the shared replay store: another process may have
  // accepted it. Only an answer of true accepts; false is a replay like a local one; a throw, a
  // rejection or any other answer refuses as stale (503), since a proof the store did not
  // record could be replayed to every other process. Logged once when the store starts failing
  // and once when it answers again (by the error's name and code: never its message, which
  // could hold a connection string).
  async claimShared(proof) {
    const ttlSeconds = this.dpop.windowSeconds + this.dpop.skewSeconds;
    let answer;
    let failure = null;
    try {
      answer = await this.dpop.replayStore.claim(ReplayCache.keyOf(proof.jkt, proof.jti), ttlSeconds);
    } catch (e) {
      failure = e;
    }
    if (failure === null && (answer === true || answer === false)) {
      if (this.replayStoreFailing) {
        this.replayStoreFailing = false;
        this.logger?.warn('verifier: the DPoP replay store answers again');
      }
      if (answer) return proof;
      throw proofFailure("the proof's jti was used before");
    }
    if (!this.replayStoreFailing) {
      this.replayStoreFailing = true;
      const why = failure === null ? 'an answer neither true nor false'
        : `${failure?.name ?? 'a rejection'}${failure?.code ? ` ${failure.code}` : ''}`;
      this.logger?.warn(`verifier: the DPoP replay store failed (${why}); DPoP requests are refused (503) until it answers`);
    }
    throw replayUnavailable(REPLAY_STORE_FAILED, 1);
  }

  // Steps 1-8 of the profile, whatever the token's binding.
  async verifyToken(token) {
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
      dpop: { replayEntries: this.replay.size, maxReplayEntries: this.dpop.replayEntries,
        replayStore: this.dpop.replayStore !== null, replayStoreFailing: this.replayStoreFailing },
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
