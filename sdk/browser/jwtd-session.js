// jwtd session client for single-page apps (docs/api.md "Cookie mode"). One ES module, no
// dependency, no build step.
//
// The refresh token lives in jwtd's HttpOnly refresh cookie; the access token lives only in this
// module's memory, one per tab (never Web Storage, never the DOM). All tabs of an origin share
// the one refresh cookie, and jwtd rotates it on every use: two tabs presenting the same cookie
// at once would look like a stolen, replayed token and end the session (reuse detection). So:
//  - one refresh at a time across the tabs: a Web Lock with a timeout, stolen after the timeout
//    so a frozen or hung tab never blocks the others; a lease over BroadcastChannel when the
//    browser has no Web Locks (plain-HTTP origins, old browsers);
//  - a tab that waited for the lock re-checks first: if another tab rotated the cookie meanwhile
//    it adopts the access token that tab broadcast instead of refreshing again;
//  - signing out in one tab signs out every tab (BroadcastChannel), and a generation counter
//    discards the results of refreshes started before a sign-out, so a late answer never
//    revives the session. Tokens of a signed-out session (its `sid`) are never adopted again.
// What still slips through (a lock stolen from a tab whose request is already on the wire) is
// what the server's `tokens.refresh_grace` window is for.
//
// Opt-in DPoP (RFC 9449, `dpop: true` or 'auto'): the session is bound to a key pair of this
// origin (ECDSA P-256, made with WebCrypto, the private key not extractable), kept in IndexedDB
// so every tab and every reload signs with the same key. The login, every refresh and every
// fetch() carry a proof signed with it; a copied access or refresh token is useless without the
// key, which no script can read out, only use while the page is open.

const DEFAULTS = {
  baseUrl: '',            // where jwtd answers; '' is this page's origin
  apiOrigins: null,       // origins fetch() may send the access token to; null: baseUrl's origin
  credentials: 'same-origin',
  refreshAt: 0.8,         // of the access token's lifetime: early enough for a slow network
  lockName: 'jwtd-refresh',
  channelName: 'jwtd-session',
  lockTimeoutMs: 5000,    // a refresh takes milliseconds; a holder this slow is frozen or stuck
  adoptWaitMs: 300,       // how long a tab that saw the cookie rotate waits for that tab's token
  peerWaitMs: 50,         // how long resume() asks the other tabs before refreshing itself
  retryMs: 5000,          // next try after a refresh that failed without ending the session
  dpop: false,            // true: DPoP-bound session; 'auto': when jwtd's metadata lists ES256
  dpopKeyName: 'jwtd-dpop',  // the key pair's name in IndexedDB (database jwtd-session)
};

const SETTLE_MS = 40;  // the channel lease: how long a claim waits for a better one

function readCookie(name) {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1));
  }
  return null;
}

// The readable CSRF cookie: __Host-jwtd_csrf when jwtd's cookies are Secure (https, and
// http://localhost in Chromium), jwtd_csrf when they are not. The __Host- one wins: only this
// origin can have set it, while a sibling sub-domain can plant the plain one.
export function csrfCookie() {
  return readCookie('__Host-jwtd_csrf') ?? readCookie('jwtd_csrf');
}

// The claims this module needs (sid, iat) from a JWS compact token. Decoded, not verified:
// only the server can verify, and it does so on every call.
function claimsOf(token) {
  try {
    const part = String(token).split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part + '='.repeat((4 - (part.length % 4)) % 4)), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

// A jwtd answer as a plain object; status 0 when there was no answer at all.
export async function readResult(res) {
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  const obj = data && typeof data === 'object' ? data : {};
  return {
    ok: res.ok, status: res.status, data,
    error: obj.error ?? null, description: obj.error_description ?? '', reason: obj.reason ?? null,
  };
}

const networkError = (e) => ({ ok: false, status: 0, data: null, error: 'network_error', description: e.message, reason: null });
const localResult = (ok, error, description) => ({ ok, status: 0, data: null, error, description, reason: null });

// expired | revoked | invalid | null, from a 401 body; servers without `reason` say it in English.
async function reasonOf(res) {
  try {
    const body = await res.clone().json();
    if (body.reason) return body.reason;
    if (/expired/.test(body.error_description ?? '')) return 'expired';
    if (/revoked/.test(body.error_description ?? '')) return 'revoked';
    return 'invalid';
  } catch {
    return null;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const randomId = () => (globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`);

// Mutual exclusion over BroadcastChannel, for browsers without Web Locks. A tab claims, waits
// SETTLE_MS for a better claim (earlier, then smaller id) or a holder, and holds; the holder
// answers claims and repeats `lock-held` so waiters know it is alive, and a waiter takes the
// lock anyway after the timeout (a frozen holder is silent). Best effort by nature: a channel
// has no atomic step. One acquisition at a time per tab.
class ChannelMutex {
  #post; #id; #timeoutMs; #holder = null; #claim = null; #lease = null; #wake = new Set();
  #chain = Promise.resolve();

  constructor(post, id, timeoutMs) { this.#post = post; this.#id = id; this.#timeoutMs = timeoutMs; }

  onMessage(m) {
    if (m.t === 'lock-claim') {
      if (this.#lease) { this.#post({ t: 'lock-held' }); return; }
      const mine = this.#claim;
      if (!mine || m.ts < mine.ts || (m.ts === mine.ts && m.from < this.#id)) {
        if (mine) mine.yielded = true;
        this.#setHolder(m.from, SETTLE_MS * 4);
      }
    } else if (m.t === 'lock-held') {
      if (this.#lease) this.#lease.lost = true;  // taken over after our timeout
      if (this.#claim) this.#claim.yielded = true;
      this.#setHolder(m.from, this.#timeoutMs);
    } else if (m.t === 'lock-free' && this.#holder?.id === m.from) {
      this.#holder = null;
      for (const wake of this.#wake) wake();
    }
  }

  #setHolder(id, forMs) { this.#holder = { id, until: Date.now() + forMs }; }

  #waitForWake(ms) {
    return new Promise((resolve) => {
      const done = () => { clearTimeout(timer); this.#wake.delete(done); resolve(); };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#wake.add(done);
    });
  }

  run(fn) {
    const p = this.#chain.then(() => this.#acquireAndRun(fn));
    this.#chain = p.catch(() => {});
    return p;
  }

  async #acquireAndRun(fn) {
    let deadline = Date.now() + this.#timeoutMs;
    for (let claims = 0, now = Date.now(); claims < 20; now = Date.now()) {
      if (this.#holder && this.#holder.until > now) {
        if (now < deadline) {
          await this.#waitForWake(Math.min(this.#holder.until, deadline) - now);
          continue;
        }
        this.#holder = null;  // held past the timeout: contend for it with the other waiters
      }
      const claim = { ts: now, yielded: false };
      claims += 1;
      this.#claim = claim;
      this.#post({ t: 'lock-claim', ts: claim.ts });
      await sleep(SETTLE_MS);
      this.#claim = null;
      if (!claim.yielded) break;
      // A better claim won; it is alive, so give it a whole timeout.
      deadline = Math.max(deadline, Date.now() + this.#timeoutMs);
    }
    // Ours: won the claim (against a holder past the timeout, too: frozen, closed or stuck).
    const lease = { lost: false };
    this.#lease = lease;
    this.#holder = null;
    this.#post({ t: 'lock-held' });
    const beat = setInterval(() => this.#post({ t: 'lock-held' }), Math.max(100, this.#timeoutMs / 3));
    try {
      return await fn(lease);
    } finally {
      clearInterval(beat);
      this.#lease = null;
      this.#post({ t: 'lock-free' });
    }
  }
}

// ---- DPoP (RFC 9449) -------------------------------------------------------------------------

const KEY_DB = 'jwtd-session';
const KEY_STORE = 'dpop-keys';
const utf8 = (text) => new TextEncoder().encode(text);

function b64u(bytes) {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const b64uJson = (value) => b64u(utf8(JSON.stringify(value)));

// scheme://authority of an issuer, as jwtd cuts it: every proof for jwtd names this plus jwtd's
// path (jwtd checks htu against its issuer, never against the Host header or the page's URL).
function issuerOrigin(issuer) {
  const start = issuer.indexOf('://');
  if (start < 0) return issuer;
  const slash = issuer.indexOf('/', start + 3);
  return slash < 0 ? issuer : issuer.slice(0, slash);
}

function openKeyDb() {
  return new Promise((resolve, reject) => {
    if (!globalThis.indexedDB) { reject(new Error('IndexedDB is not available')); return; }
    const req = indexedDB.open(KEY_DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(KEY_STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB refused to open'));
  });
}

const usableKeyPair = (k) => Boolean(k) && k.privateKey instanceof CryptoKey && k.publicKey instanceof CryptoKey
  && k.privateKey.algorithm?.name === 'ECDSA' && k.privateKey.algorithm?.namedCurve === 'P-256';

// This origin's key pair, shared by every tab: the stored one, else a new one stored. CryptoKey
// objects are structured-cloneable, so IndexedDB keeps the private key without it ever being
// exported (extractable: false). The final get-or-put is one readwrite transaction, and those
// run one at a time: two tabs making a key at once both end up with the first one stored.
async function loadKeyPair(name) {
  const db = await openKeyDb();
  const inTransaction = (mode, fn) => new Promise((resolve, reject) => {
    const tx = db.transaction(KEY_STORE, mode);
    let result;
    tx.oncomplete = () => resolve(result);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    fn(tx.objectStore(KEY_STORE), (value) => { result = value; });
  });
  try {
    const stored = await inTransaction('readonly', (store, done) => {
      const get = store.get(name);
      get.onsuccess = () => done(get.result);
    });
    if (usableKeyPair(stored)) return stored;
    const fresh = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    return await inTransaction('readwrite', (store, done) => {
      const get = store.get(name);
      get.onsuccess = () => {
        if (usableKeyPair(get.result)) { done(get.result); return; }
        const record = { privateKey: fresh.privateKey, publicKey: fresh.publicKey, createdAt: Date.now() };
        store.put(record, name);
        done(record);
      };
    });
  } finally {
    db.close();
  }
}

async function publicJwk(publicKey) {
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey);
  return { kty, crv, x, y };
}

// RFC 7638: SHA-256 of the required members in lexicographic order; the token's cnf.jkt.
export async function jwkThumbprint(jwk) {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return b64u(await crypto.subtle.digest('SHA-256', utf8(canonical)));
}

// A DPoP proof (RFC 9449 §4.2) for one request, signed with an ECDSA P-256 key pair (ES256):
// htm the request's method, htu its URL without query and fragment, ath binding it to the
// access token it goes with, nonce the server's when it asked for one. Exported for requests
// fetch() cannot make, and for tests.
export async function dpopProof(keyPair, { htm, htu, accessToken, nonce, jwk } = {}) {
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: jwk ?? await publicJwk(keyPair.publicKey) };
  const claims = {
    jti: b64u(crypto.getRandomValues(new Uint8Array(16))), htm: String(htm),
    htu: String(htu).replace(/[?#][\s\S]*$/, ''), iat: Math.floor(Date.now() / 1000),
  };
  if (accessToken) claims.ath = b64u(await crypto.subtle.digest('SHA-256', utf8(accessToken)));
  if (nonce) claims.nonce = nonce;
  const input = `${b64uJson(header)}.${b64uJson(claims)}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keyPair.privateKey, utf8(input));
  return `${input}.${b64u(signature)}`;  // WebCrypto's ECDSA signature is r || s, as JWS wants
}

// The key pair of this origin, loaded once per tab (a failed load is tried again next time).
class DpopKey {
  #name; #ready = null; #pair = null; #jwk = null; #jkt = null;

  constructor(name) { this.#name = name; }

  ready() {
    if (!this.#ready) {
      const p = (async () => {
        if (!globalThis.crypto?.subtle) throw new Error('WebCrypto is not available (not a secure context)');
        this.#pair = await loadKeyPair(this.#name);
        this.#jwk = await publicJwk(this.#pair.publicKey);
        this.#jkt = await jwkThumbprint(this.#jwk);
        return this;
      })();
      this.#ready = p;
      p.catch(() => { if (this.#ready === p) this.#ready = null; });
    }
    return this.#ready;
  }

  get thumbprint() { return this.#jkt; }

  async proof(claims) {
    await this.ready();
    return dpopProof(this.#pair, { ...claims, jwk: this.#jwk });
  }
}

// The server asks for a proof with its nonce (RFC 9449 §8 at the token endpoint, §9 at a
// resource): use_dpop_nonce, with the nonce in DPoP-Nonce.
async function asksForNonce(res) {
  if (!res.headers.get('DPoP-Nonce')) return false;
  if (/error="use_dpop_nonce"/.test(res.headers.get('WWW-Authenticate') ?? '')) return true;
  if (res.status !== 400 && res.status !== 401) return false;
  try {
    return (await res.clone().json()).error === 'use_dpop_nonce';
  } catch {
    return false;
  }
}

const isDpopToken = (tokenType, claims) => (tokenType ? /^dpop$/i.test(tokenType) : Boolean(claims.cnf?.jkt));

export class JwtdSession {
  #o; #access = null; #acceptedAt = -1; #generation = 0; #dead = new Set();
  #inflight = null; #timer = null; #listeners = new Set(); #tokenWaiters = new Set();
  #id = randomId(); #channel = null; #mutex = null;
  #dpopKey = null; #meta = null; #nonces = new Map();

  constructor(options = {}) {
    this.#o = { ...DEFAULTS, ...options };
    const base = new URL(this.#o.baseUrl || '/', location.href);
    this.#o.apiOrigins = new Set(this.#o.apiOrigins ?? [base.origin]);
    if (this.#o.dpop) this.#dpopKey = new DpopKey(this.#o.dpopKeyName);
    if (typeof BroadcastChannel === 'function') {
      this.#channel = new BroadcastChannel(this.#o.channelName);
      this.#channel.onmessage = (e) => this.#onMessage(e.data);
    }
    this.#mutex = new ChannelMutex((m) => this.#post(m), this.#id, this.#o.lockTimeoutMs);
    // Back from a background stretch (throttled timers) or a freeze: refresh if it is time.
    document.addEventListener('visibilitychange', this.#onVisible);
  }

  get signedIn() { return this.#access !== null; }
  get expiresAt() { return this.#access?.expiresAt ?? null; }
  get refreshAt() { return this.#access?.refreshAt ?? null; }
  // 'DPoP' (bound to this origin's key), 'Bearer', or null when signed out.
  get tokenType() { return this.#access ? (this.#access.dpop ? 'DPoP' : 'Bearer') : null; }
  // For the rare call fetch() cannot make (an EventSource, a WebSocket). Never store it.
  accessToken() { return this.#access?.token ?? null; }

  // The RFC 7638 thumbprint of this origin's DPoP key (what cnf.jkt of a bound token names);
  // null without the dpop option. Makes the key when there is none yet.
  async dpopThumbprint() {
    if (!this.#dpopKey) return null;
    return (await this.#dpopKey.ready()).thumbprint;
  }

  // A DPoP proof for a request of the app's own making with the current (bound) access token,
  // sent as `Authorization: DPoP <accessToken()>` with `DPoP: <proof>`. null when the token is
  // not bound. One proof per request: jwtd refuses a proof it has seen.
  async dpopProof(method, url) {
    const access = this.#access;
    if (!access?.dpop || !this.#dpopKey) return null;
    const { htu, domain } = await this.#htu(url);
    return this.#dpopKey.proof({ htm: method, htu, accessToken: access.token, nonce: this.#nonces.get(domain) });
  }

  // fn({ type: 'signed-in' | 'refreshed' | 'adopted' | 'signed-out', cause?, result? }).
  subscribe(fn) {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  // With the dpop option the login carries a proof and jwtd binds the session to the key;
  // `{ dpop: false }` signs this one in without (a bearer session).
  async login(username, password, { scope, dpop } = {}) {
    const useDpop = this.#dpopKey !== null && (dpop ?? await this.#dpopOn());
    const sentAt = Date.now();
    const r = await this.#send('/v1/login', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password, cookie: true, ...(scope ? { scope } : {}) }),
      dpop: useDpop,
    });
    if (r.ok) {
      this.#generation += 1;  // whatever the old session's refreshes bring back is stale now
      this.#accept(r.data.access_token, r.data.expires_in, sentAt, { type: 'signed-in', result: r }, true, r.data.token_type);
    }
    return r;
  }

  // After a reload: another tab's access token if one answers quickly, else a refresh from the
  // cookie. null when there is no session cookie to resume from.
  async resume() {
    if (this.#access) return localResult(true, null, 'already signed in');
    if (!csrfCookie()) return null;
    if (this.#channel) {
      const started = performance.now();
      this.#post({ t: 'want-token' });
      if (await this.#tokenSince(started, this.#o.peerWaitMs)) return localResult(true, null, 'adopted from another tab');
    }
    return this.refresh();
  }

  // A new access token, issued after this call began (by this tab or, adopted, by another).
  // Calls made while one is under way share it.
  refresh() {
    if (!this.#inflight) {
      this.#inflight = this.#refreshOnce().finally(() => { this.#inflight = null; });
    }
    return this.#inflight;
  }

  async #refreshOnce() {
    const generation = this.#generation;
    // Every refresh carries a proof when DPoP is on: a bound session needs one by its key, an
    // unbound one ignores it. Metadata and key are ready before the lock is taken.
    const dpop = this.#dpopKey ? await this.#dpopOn() && await this.#dpopKey.ready().then(() => true, () => false) : false;
    const started = performance.now();
    const cookieBefore = csrfCookie();
    return this.#withLock(async (lease) => {
      if (generation !== this.#generation) return localResult(false, 'signed_out', 'signed out while waiting');
      if (this.#access && this.#acceptedAt > started) return localResult(true, null, 'adopted from another tab');
      // The cookie rotated while this tab waited: that tab's token is on its way.
      if (csrfCookie() !== cookieBefore && await this.#tokenSince(started, this.#o.adoptWaitMs)) {
        return localResult(true, null, 'adopted from another tab');
      }
      if (generation !== this.#generation) return localResult(false, 'signed_out', 'signed out while waiting');
      if (lease.lost) {
        // Another tab took the lock while this one was frozen: it refreshes, we adopt.
        if (await this.#tokenSince(started, this.#o.lockTimeoutMs)) return localResult(true, null, 'adopted from another tab');
        return localResult(false, 'lock_lost', 'another tab took the refresh over');
      }
      return this.#rotate(generation, lease, started, dpop);
    });
  }

  async #rotate(generation, lease, started, dpop) {
    for (let attempt = 0; ; attempt += 1) {
      const csrf = csrfCookie();
      if (!csrf) {
        if (this.#access) this.#signOut('no-session', null, false);
        return localResult(false, 'not_signed_in', 'no session cookie');
      }
      const sentAt = Date.now();  // the token's life is counted from before it was issued
      const r = await this.#send('/oauth/token', {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': csrf },
        body: 'grant_type=refresh_token',
        dpop,
      });
      if (generation !== this.#generation) return localResult(false, 'signed_out', 'signed out during the refresh');
      if (r.ok) {
        this.#accept(r.data.access_token, r.data.expires_in, sentAt, { type: 'refreshed', result: r }, true, r.data.token_type);
        return r;
      }
      // The cookie rotated between reading it and sending. Either the lock was taken from this
      // tab while it was frozen (the taker's token is adopted, or on its way), or a tab not using
      // this module refreshed: once more, with the new CSRF value.
      if (r.status === 403 && r.error === 'csrf_check_failed' && csrfCookie() !== csrf) {
        if (lease.lost) {
          const adopted = await this.#tokenSince(started, this.#o.adoptWaitMs);
          return adopted ? localResult(true, null, 'adopted from another tab') : r;
        }
        if (attempt === 0) continue;
      }
      if (r.status === 400 && r.error === 'invalid_grant') this.#signOut('refresh-refused', r, true);
      else this.#scheduleRetry();
      return r;
    }
  }

  // fetch() with this tab's access token: refreshed ahead of expiry, and once more on a 401
  // whose reason is `expired`, then retried once; a `revoked` 401 signs every tab out. A bound
  // token goes as `Authorization: DPoP` with a fresh proof (and once more with the server's
  // nonce when it asks for one).
  async fetch(input, init) {
    const request = new Request(input, init);
    const origin = new URL(request.url).origin;
    if (!this.#o.apiOrigins.has(origin)) {
      throw new TypeError(`jwtd-session: not sending the access token to ${origin} (not in apiOrigins)`);
    }
    const send = (access, last) => (access?.dpop && this.#dpopKey
      ? this.#signedFetch(() => request.clone(), access.token)
      : fetch(access ? authorized(last ? request : request.clone(), access.token) : request));
    let access = await this.#tokenForRequest();
    for (let attempt = 0; ; attempt += 1) {
      const res = await send(access, attempt > 0);
      if (res.status !== 401 || !access) return res;
      const reason = await reasonOf(res);
      if (reason === 'revoked' && this.#access?.token === access.token) {
        this.#signOut('revoked', await readResult(res.clone()), true);
      }
      if (reason !== 'expired' || attempt > 0) return res;
      access = await this.#freshToken(access.token);
      if (!access) return res;
    }
  }

  #current() { return this.#access ? { token: this.#access.token, dpop: this.#access.dpop } : null; }

  async #tokenForRequest() {
    if (!this.#access) {
      if (!csrfCookie()) return null;
      await this.resume();
      return this.#current();
    }
    if (Date.now() >= this.#access.refreshAt) await this.refresh();
    // A failed early refresh leaves the old token, still good until it expires.
    return this.#current();
  }

  async #freshToken(stale) {
    if (this.#access && this.#access.token !== stale && Date.now() < this.#access.expiresAt) return this.#current();
    const r = await this.refresh();
    return r.ok ? this.#current() : null;
  }

  // Every tab signs out at once; then the session ends on the server, inside the lock so no
  // tab rotates the cookie between reading its CSRF value and sending it.
  async logout() {
    const access = this.#current();
    this.#signOut('logout', null, true);
    // A bound token goes with a proof; without a usable key, the cookie alone ends the session.
    const dpop = Boolean(access?.dpop && this.#dpopKey) && await this.#dpopKey.ready().then(() => true, () => false);
    const token = access && (!access.dpop || dpop) ? access.token : null;
    return this.#withLock(async () => {
      for (let attempt = 0; ; attempt += 1) {
        const csrf = csrfCookie();
        const headers = {};
        if (token && !dpop) headers.Authorization = `Bearer ${token}`;
        if (csrf) headers['X-CSRF-Token'] = csrf;
        if (!token && !csrf) return localResult(true, null, 'no session');
        const r = await this.#send('/v1/logout', { headers, dpop: Boolean(token) && dpop, accessToken: token });
        if (r.status === 403 && r.error === 'csrf_check_failed' && attempt === 0) continue;
        return r;
      }
    });
  }

  // Forgets the token in this tab only (for example before the page hands itself to another user).
  forget() { this.#signOut('forgotten', null, false); }

  close() {
    clearTimeout(this.#timer);
    document.removeEventListener('visibilitychange', this.#onVisible);
    this.#channel?.close();
    this.#channel = null;
  }

  #base() { return new URL(this.#o.baseUrl.replace(/\/?$/, '/'), location.href); }

  // POST to jwtd. `dpop`: with a proof by this origin's key (for `accessToken` when given).
  async #send(path, { headers, body, dpop = false, accessToken }) {
    const url = new URL(path.slice(1), this.#base());
    const init = () => ({
      method: 'POST', headers: { Accept: 'application/json', ...headers }, body,
      credentials: this.#o.credentials, cache: 'no-store',
    });
    if (dpop) {
      try {
        await this.#dpopKey.ready();
      } catch (e) {
        return localResult(false, 'dpop_unavailable', `no DPoP key: ${e.message}`);
      }
    }
    try {
      const res = dpop ? await this.#signedFetch(() => new Request(url, init()), accessToken) : await fetch(url, init());
      return await readResult(res);
    } catch (e) {
      return networkError(e);
    }
  }

  // jwtd's metadata (RFC 8414), fetched once (again after a failure): whether it takes DPoP
  // proofs, and its issuer, whose origin names jwtd's endpoints in every proof's htu.
  #metadata() {
    if (!this.#meta) {
      const p = fetch(new URL('.well-known/oauth-authorization-server', this.#base()), {
        headers: { Accept: 'application/json' }, credentials: 'omit', cache: 'no-store',
      }).then((res) => (res.ok ? res.json() : Promise.reject(new Error(`metadata: ${res.status}`))));
      this.#meta = p;
      p.catch(() => { if (this.#meta === p) this.#meta = null; });
    }
    return this.#meta.then((m) => (m && typeof m === 'object' ? m : {}), () => ({}));
  }

  // Whether this session signs proofs: `dpop: true` always; 'auto' when jwtd's metadata lists
  // ES256 and the browser has WebCrypto and IndexedDB (WebCrypto: secure contexts only).
  async #dpopOn() {
    if (!this.#dpopKey) return false;
    if (this.#o.dpop !== 'auto') return true;
    if (!globalThis.crypto?.subtle || !globalThis.indexedDB) return false;
    const algs = (await this.#metadata()).dpop_signing_alg_values_supported;
    return Array.isArray(algs) && algs.includes('ES256');
  }

  // The htu of a request and the nonce domain it belongs to. jwtd's endpoints (under baseUrl)
  // are named by the issuer's origin plus jwtd's path, as jwtd checks them; any other URL (an
  // API of apiOrigins) by itself.
  async #htu(url) {
    const u = new URL(url, location.href);
    const bare = u.origin + u.pathname;
    const base = this.#base();
    if (!bare.startsWith(base.href)) return { htu: bare, domain: u.origin };
    const { issuer } = await this.#metadata();
    const origin = typeof issuer === 'string' && issuer ? issuerOrigin(issuer) : base.origin;
    return { htu: `${origin}/${bare.slice(base.href.length)}`, domain: base.origin };
  }

  // Sends makeRequest() with a DPoP proof (and `Authorization: DPoP` for accessToken), and once
  // more with the server's nonce when it asks for one. Remembers the nonce servers hand out.
  async #signedFetch(makeRequest, accessToken) {
    for (let attempt = 0; ; attempt += 1) {
      const request = makeRequest();
      const { htu, domain } = await this.#htu(request.url);
      const proof = await this.#dpopKey.proof({ htm: request.method, htu, accessToken, nonce: this.#nonces.get(domain) });
      const headers = new Headers(request.headers);
      headers.set('DPoP', proof);
      if (accessToken) headers.set('Authorization', `DPoP ${accessToken}`);
      const res = await fetch(new Request(request, { headers }));
      const nonce = res.headers.get('DPoP-Nonce');
      if (nonce) this.#nonces.set(domain, nonce);
      if (attempt > 0 || !(await asksForNonce(res))) return res;
    }
  }

  // Runs fn(lease) holding the refresh lock of this origin. A holder that keeps it past the
  // timeout is frozen or stuck: the lock is stolen from it, by one waiting tab at a time, and
  // only if the same holder still has it (a tab that just took it over is left alone).
  // lease.lost turns true when the lock is stolen from this tab while fn runs.
  async #withLock(fn) {
    const locks = globalThis.navigator?.locks;
    if (!locks?.request) return this.#mutex.run(fn);
    const name = this.#o.lockName;
    const lease = { lost: false };
    let running = null;
    const body = () => (running ??= fn(lease));
    const stolenFromUs = async (request) => {
      try {
        return await request;
      } catch (e) {
        if (e?.name !== 'AbortError' || !running) throw e;
        lease.lost = true;
        return running;
      }
    };
    for (let round = 0; round < 3; round += 1) {
      const waiting = new AbortController();
      const timer = setTimeout(() => waiting.abort(), this.#o.lockTimeoutMs);
      try {
        return await stolenFromUs(locks.request(name, { signal: waiting.signal }, () => { clearTimeout(timer); return body(); }));
      } catch (e) {
        if (e?.name !== 'AbortError' || running) throw e;
      }
      const stuck = await holderOf(locks, name);
      const outcome = await locks.request(`${name}:steal`, async () => {
        const now = await holderOf(locks, name);
        if (now === null || now !== stuck) return AGAIN;  // released, or taken by a live tab
        return stolenFromUs(locks.request(name, { steal: true }, body));
      });
      if (outcome !== AGAIN) return outcome;
    }
    return stolenFromUs(locks.request(name, { steal: true }, body));
  }

  #accept(token, expiresIn, receivedAt, event, broadcast, tokenType) {
    const claims = claimsOf(token);
    const lifetime = Number(expiresIn) * 1000;
    this.#access = {
      token, sid: claims.sid ?? null, iat: Number(claims.iat) || 0,
      expiresAt: receivedAt + lifetime, refreshAt: receivedAt + lifetime * this.#o.refreshAt,
      dpop: isDpopToken(tokenType, claims),
    };
    this.#acceptedAt = performance.now();
    this.#schedule(this.#access.refreshAt - Date.now());
    if (broadcast) this.#shareToken();
    for (const wake of this.#tokenWaiters) wake();
    this.#emit(event);
  }

  #shareToken() {
    const a = this.#access;
    this.#post({ t: 'token', token: a.token, expiresAt: a.expiresAt, refreshAt: a.refreshAt, tokenType: a.dpop ? 'DPoP' : 'Bearer' });
  }

  #signOut(cause, result, broadcast) {
    const sid = this.#access?.sid ?? null;
    if (sid) this.#dead.add(sid);
    this.#generation += 1;
    const was = this.#access !== null;
    this.#access = null;
    clearTimeout(this.#timer);
    this.#timer = null;
    if (broadcast) this.#post({ t: 'signed-out', sid });
    if (was || broadcast) this.#emit({ type: 'signed-out', cause, result });
  }

  #onMessage(m) {
    if (!m || typeof m !== 'object' || m.from === this.#id) return;
    if (m.t?.startsWith('lock-')) { this.#mutex.onMessage(m); return; }
    if (m.t === 'token') this.#adopt(m);
    else if (m.t === 'want-token') { if (this.#access && Date.now() < this.#access.refreshAt) this.#shareToken(); }
    else if (m.t === 'signed-out') {
      if (m.sid) this.#dead.add(m.sid);
      if (!this.#access || !m.sid || this.#access.sid === m.sid) this.#signOut('other-tab', null, false);
    }
  }

  // Another tab's token replaces ours when it is newer, and never when its session ended.
  #adopt(m) {
    const claims = claimsOf(m.token);
    if (claims.sid && this.#dead.has(claims.sid)) return;
    const iat = Number(claims.iat) || 0;
    const cur = this.#access;
    if (cur && (iat < cur.iat || (iat === cur.iat && m.expiresAt <= cur.expiresAt))) return;
    this.#access = {
      token: m.token, sid: claims.sid ?? null, iat, expiresAt: m.expiresAt, refreshAt: m.refreshAt,
      dpop: isDpopToken(m.tokenType, claims),
    };
    this.#acceptedAt = performance.now();
    this.#schedule(m.refreshAt - Date.now());
    for (const wake of this.#tokenWaiters) wake();
    this.#emit({ type: 'adopted' });
  }

  // True once a token accepted after `since` (a performance.now() time) is here; false after ms.
  #tokenSince(since, ms) {
    const fresh = () => this.#access !== null && this.#acceptedAt > since;
    if (fresh()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = () => { clearTimeout(timer); this.#tokenWaiters.delete(wake); resolve(fresh()); };
      const wake = () => { if (fresh()) finish(); };
      const timer = setTimeout(finish, ms);
      this.#tokenWaiters.add(wake);
    });
  }

  #schedule(ms) {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => { this.#timer = null; this.refresh().catch(() => {}); }, Math.min(Math.max(0, ms), 2 ** 31 - 1));
  }

  #scheduleRetry() {
    if (!this.#access) return;
    this.#schedule(Math.min(this.#o.retryMs, Math.max(0, this.#access.expiresAt - Date.now())));
  }

  #onVisible = () => {
    if (document.visibilityState !== 'visible') return;
    if (this.#access && Date.now() >= this.#access.refreshAt) this.refresh().catch(() => {});
  };

  #post(m) { this.#channel?.postMessage({ ...m, from: this.#id }); }

  #emit(event) {
    const e = { ...event, signedIn: this.signedIn };
    for (const fn of this.#listeners) {
      try { fn(e); } catch (err) { setTimeout(() => { throw err; }); }
    }
  }
}

const AGAIN = Symbol('again');

// Who holds the named lock: its client id, 'unknown' when the browser does not say, null when free.
async function holderOf(locks, name) {
  const { held } = await locks.query();
  const lock = held.find((l) => l.name === name);
  return lock ? lock.clientId ?? 'unknown' : null;
}

function authorized(request, token) {
  const headers = new Headers(request.headers);
  headers.set('Authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}

export function createSession(options) { return new JwtdSession(options); }
