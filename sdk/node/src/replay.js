// ReplayCache: the DPoP proofs accepted recently, so that a copy of one is refused (RFC 9449
// §11.1), as jwtd's own (src/auth/dpop_replay_cache.h). Two generations, each
// `generationSeconds` long (the proof window plus the skew): inserts go to the current one;
// when it is over, the current becomes the previous and the previous is dropped whole. A proof
// accepted at t is so remembered until at least t + generationSeconds, when its iat can no
// longer pass the window; nothing is ever deleted one by one.
//
// Bounded: each generation holds at most half of maxEntries. When the current one is full, add()
// answers 'full' and records nothing: the caller refuses the proof (fail closed) rather than
// accept one it could not remember. Keys are 128 bits of SHA-256 over (jkt, jti), so an entry
// costs the same whatever the client put in its jti. Single-threaded (one event loop).
import { createHash } from 'node:crypto';

export class ReplayCache {
  constructor(generationSeconds, maxEntries) {
    this.generationSeconds = generationSeconds;
    this.maxPerGeneration = Math.max(1, Math.floor(maxEntries / 2));
    this.current = new Set();
    this.previous = new Set();
    this.currentStart = -Infinity;
  }

  // base64url of the first 16 bytes of SHA-256(jkt NUL jti): also the key a shared replay
  // store is given (it names neither the key nor the jti), the same as the Python SDK's and
  // jwtd's own (src/auth/dpop_replay_cache.h), so services in every language can share one
  // store. The separator cannot occur in a jkt (base64url), so no two pairs share a key text.
  static keyOf(jkt, jti) {
    return createHash('sha256').update(`${jkt}\0${jti}`).digest().subarray(0, 16).toString('base64url');
  }

  // Records (jkt, jti) at `now` (Unix seconds): 'new', 'seen' (recorded before and not yet
  // forgotten) or 'full' (nothing recorded).
  add(jkt, jti, now) {
    this.advance(now);
    const key = ReplayCache.keyOf(jkt, jti);
    if (this.current.has(key) || this.previous.has(key)) return 'seen';
    if (this.current.size >= this.maxPerGeneration) return 'full';
    this.current.add(key);
    return 'new';
  }

  advance(now) {
    const g = this.generationSeconds;
    if (now < this.currentStart + g) return;
    // One generation over: it becomes the previous. Two or more: both are past.
    this.previous = now < this.currentStart + 2 * g ? this.current : new Set();
    this.current = new Set();
    this.currentStart = this.currentStart === -Infinity ? now
      : this.currentStart + g * Math.floor((now - this.currentStart) / g);
  }

  get size() {
    return this.current.size + this.previous.size;
  }
}

// The `dpop.replayStore` option: a replay record shared by every process of the service, since
// each ReplayCache sees only its own traffic and a proof replayed to another process behind the
// load balancer would pass there. The contract (README): `async claim(key, ttlSeconds)` answers
// true when the key is new and false when it was claimed before, atomically across processes
// (Redis SET key 1 NX PX), and remembers the key at least ttlSeconds. null when none is given.
export function replayStoreOf(store) {
  if (store === undefined || store === null) return null;
  if (typeof store.claim !== 'function') throw new TypeError('dpop.replayStore: an object with async claim(key, ttlSeconds)');
  return store;
}
