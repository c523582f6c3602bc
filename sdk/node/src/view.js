// RevocationView: the revocation-feed entries a follower has applied (docs/verifying.md §2),
// one map per kind, each entry with the expires_at after which it no longer matters. check()
// is on every verification's path: four map look-ups, no allocation.
//
// Single-threaded (one event loop); entries come from the follower, checks from verify().

const KINDS = new Set(['jti', 'session', 'user_version', 'key']);

// expires_at <= 0 never expires. An entry still counts at its expires_at second, as in jwtd.
const live = (expiresAt, now) => expiresAt <= 0 || now <= expiresAt;

// A well-formed entry, or null (the follower treats that as a protocol error).
export function validEntry(e) {
  return e !== null && typeof e === 'object' && Number.isSafeInteger(e.seq) && e.seq > 0 &&
      typeof e.kind === 'string' && typeof e.key === 'string' && Number.isSafeInteger(e.value) &&
      Number.isSafeInteger(e.expires_at);
}

export class RevocationView {
  constructor() {
    this.clear();
  }

  clear() {
    this.jti = new Map();  // jti -> expires_at
    this.session = new Map();  // sid -> expires_at
    this.userVersion = new Map();  // sub -> { min, expiresAt }
    this.key = new Map();  // kid -> expires_at
    this.unknownKinds = 0;
  }

  // Idempotent; applying an entry twice, or out of order, gives the same view.
  apply(e) {
    if (!KINDS.has(e.kind)) {
      // A kind from a newer jwtd: nothing here could match it. Counted for status().
      this.unknownKinds++;
      return;
    }
    if (e.kind === 'user_version') {
      const old = this.userVersion.get(e.key);
      // The highest minimum counts; the newest bump's expiry covers every older token.
      if (old === undefined) {
        this.userVersion.set(e.key, { min: e.value, expiresAt: e.expires_at });
      } else if (e.value >= old.min) {
        old.min = e.value;
        old.expiresAt = laterExpiry(old.expiresAt, e.expires_at);
      }
      return;
    }
    const map = e.kind === 'jti' ? this.jti : e.kind === 'session' ? this.session : this.key;
    const old = map.get(e.key);
    // A session ended twice stays ended the longer time.
    map.set(e.key, old === undefined ? e.expires_at : laterExpiry(old, e.expires_at));
  }

  // Why the token is refused ('jti', 'session', 'user_version', 'key'), or null. `claims` are
  // verified claims, `kid` the key that signed them, `now` Unix seconds.
  check(claims, kid, now) {
    let at;
    if ((at = this.jti.get(claims.jti)) !== undefined && live(at, now)) return 'jti';
    if ((at = this.session.get(claims.sid)) !== undefined && live(at, now)) return 'session';
    const v = this.userVersion.get(claims.sub);
    // A token without ver predates any version: every bump refuses it.
    if (v !== undefined && live(v.expiresAt, now) && !(claims.ver >= v.min)) return 'user_version';
    // Emergency key revocation: refused even while a cached JWKS still holds the key.
    if ((at = this.key.get(kid)) !== undefined && live(at, now)) return 'key';
    return null;
  }

  // Forgets entries past their expiry (memory only: check() ignores them already).
  sweep(now) {
    for (const map of [this.jti, this.session, this.key]) {
      for (const [k, at] of map) if (!live(at, now)) map.delete(k);
    }
    for (const [k, v] of this.userVersion) if (!live(v.expiresAt, now)) this.userVersion.delete(k);
  }

  sizes() {
    return { jti: this.jti.size, session: this.session.size, user_version: this.userVersion.size,
      key: this.key.size };
  }
}

function laterExpiry(a, b) {
  if (a <= 0 || b <= 0) return 0;
  return Math.max(a, b);
}
