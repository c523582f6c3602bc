// VerifiedCache: tokens whose signature verified, by SHA-256 of the whole compact token, so a
// repeated token skips the signature (the dominant cost of verification). A forged token cannot
// borrow a cached token's claims: any changed byte changes the digest. The cache skips ONLY the
// signature and the parsing: time, issuer, audience, freshness and revocation are decided on
// every use (verifier.js). Bounded: past maxEntries the oldest insertion goes (a Map iterates in
// insertion order, so eviction is O(1)). Single-threaded.
import { createHash, hash } from 'node:crypto';

// crypto.hash (Node 20.12+) is the one-shot form; createHash for older 20.x.
const sha256 = typeof hash === 'function'
  ? (s) => hash('sha256', s, 'base64')
  : (s) => createHash('sha256').update(s).digest('base64');

export class VerifiedCache {
  constructor(maxEntries) {
    this.maxEntries = maxEntries;
    this.map = new Map();
  }

  static digest(token) {
    return sha256(token);
  }

  get(digest) {
    return this.map.get(digest);
  }

  set(digest, entry) {
    if (this.maxEntries <= 0) return;
    if (this.map.size >= this.maxEntries) this.map.delete(this.map.keys().next().value);
    this.map.set(digest, entry);
  }

  delete(digest) {
    this.map.delete(digest);
  }

  clear() {
    this.map.clear();
  }

  get size() {
    return this.map.size;
  }
}
