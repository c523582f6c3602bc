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

  static keyOf(jkt, jti) {
    // The separator cannot occur in a jkt (base64url), so no two pairs share a key text.
    return createHash('sha256').update(`${jkt}\n${jti}`).digest('base64url').slice(0, 22);
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
