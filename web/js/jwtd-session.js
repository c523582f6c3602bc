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

export class JwtdSession {
  #o; #access = null; #acceptedAt = -1; #generation = 0; #dead = new Set();
  #inflight = null; #timer = null; #listeners = new Set(); #tokenWaiters = new Set();
  #id = randomId(); #channel = null; #mutex = null;

  constructor(options = {}) {
    this.#o = { ...DEFAULTS, ...options };
    const base = new URL(this.#o.baseUrl || '/', location.href);
    this.#o.apiOrigins = new Set(this.#o.apiOrigins ?? [base.origin]);
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
  // For the rare call fetch() cannot make (an EventSource, a WebSocket). Never store it.
  accessToken() { return this.#access?.token ?? null; }

  // fn({ type: 'signed-in' | 'refreshed' | 'adopted' | 'signed-out', cause?, result? }).
  subscribe(fn) {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  async login(username, password, { scope } = {}) {
    const sentAt = Date.now();
    const r = await this.#send('/v1/login', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password, cookie: true, ...(scope ? { scope } : {}) }),
    });
    if (r.ok) {
      this.#generation += 1;  // whatever the old session's refreshes bring back is stale now
      this.#accept(r.data.access_token, r.data.expires_in, sentAt, { type: 'signed-in', result: r }, true);
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
      return this.#rotate(generation, lease, started);
    });
  }

  async #rotate(generation, lease, started) {
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
      });
      if (generation !== this.#generation) return localResult(false, 'signed_out', 'signed out during the refresh');
      if (r.ok) {
        this.#accept(r.data.access_token, r.data.expires_in, sentAt, { type: 'refreshed', result: r }, true);
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
  // whose reason is `expired`, then retried once; a `revoked` 401 signs every tab out.
  async fetch(input, init) {
    const request = new Request(input, init);
    const origin = new URL(request.url).origin;
    if (!this.#o.apiOrigins.has(origin)) {
      throw new TypeError(`jwtd-session: not sending the access token to ${origin} (not in apiOrigins)`);
    }
    let token = await this.#tokenForRequest();
    for (let attempt = 0; ; attempt += 1) {
      const res = await fetch(token ? authorized(attempt === 0 ? request.clone() : request, token) : request);
      if (res.status !== 401 || !token) return res;
      const reason = await reasonOf(res);
      if (reason === 'revoked' && this.#access?.token === token) {
        this.#signOut('revoked', await readResult(res.clone()), true);
      }
      if (reason !== 'expired' || attempt > 0) return res;
      token = await this.#freshToken(token);
      if (!token) return res;
    }
  }

  async #tokenForRequest() {
    if (!this.#access) {
      if (!csrfCookie()) return null;
      await this.resume();
      return this.#access?.token ?? null;
    }
    if (Date.now() >= this.#access.refreshAt) await this.refresh();
    // A failed early refresh leaves the old token, still good until it expires.
    return this.#access?.token ?? null;
  }

  async #freshToken(stale) {
    if (this.#access && this.#access.token !== stale && Date.now() < this.#access.expiresAt) return this.#access.token;
    const r = await this.refresh();
    return r.ok ? this.#access?.token ?? null : null;
  }

  // Every tab signs out at once; then the session ends on the server, inside the lock so no
  // tab rotates the cookie between reading its CSRF value and sending it.
  async logout() {
    const token = this.#access?.token;
    this.#signOut('logout', null, true);
    return this.#withLock(async () => {
      for (let attempt = 0; ; attempt += 1) {
        const csrf = csrfCookie();
        const headers = {};
        if (token) headers.Authorization = `Bearer ${token}`;
        if (csrf) headers['X-CSRF-Token'] = csrf;
        if (!token && !csrf) return localResult(true, null, 'no session');
        const r = await this.#send('/v1/logout', { headers });
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

  async #send(path, { headers, body }) {
    try {
      const res = await fetch(new URL(path.slice(1), new URL(this.#o.baseUrl.replace(/\/?$/, '/'), location.href)), {
        method: 'POST', headers: { Accept: 'application/json', ...headers }, body,
        credentials: this.#o.credentials, cache: 'no-store',
      });
      return await readResult(res);
    } catch (e) {
      return networkError(e);
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

  #accept(token, expiresIn, receivedAt, event, broadcast) {
    const claims = claimsOf(token);
    const lifetime = Number(expiresIn) * 1000;
    this.#access = {
      token, sid: claims.sid ?? null, iat: Number(claims.iat) || 0,
      expiresAt: receivedAt + lifetime, refreshAt: receivedAt + lifetime * this.#o.refreshAt,
    };
    this.#acceptedAt = performance.now();
    this.#schedule(this.#access.refreshAt - Date.now());
    if (broadcast) this.#shareToken();
    for (const wake of this.#tokenWaiters) wake();
    this.#emit(event);
  }

  #shareToken() {
    const a = this.#access;
    this.#post({ t: 'token', token: a.token, expiresAt: a.expiresAt, refreshAt: a.refreshAt });
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
    this.#access = { token: m.token, sid: claims.sid ?? null, iat, expiresAt: m.expiresAt, refreshAt: m.refreshAt };
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
