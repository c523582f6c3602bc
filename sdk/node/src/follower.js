// FeedFollower: keeps a RevocationView equal to jwtd's revocation log (docs/verifying.md §2).
//
// One loop, one path for every way of falling behind: page GET /v1/revocations from the cursor
// until `complete`, then follow GET /v1/revocations/stream with Last-Event-ID = the cursor until
// the stream ends; repeat. A first start pages from 0; a disconnect (jwtd restarted, network,
// a stalled stream) pages from the cursor, which returns only what is newer; a `repage` event
// pages from its `after`. A current_seq below the cursor means the log is not the one we
// followed (a new database): the view is dropped and rebuilt from 0. A heartbeat below the cursor
// only ends the stream: it may be a new log, or a node whose feed lags the log we paged; the log's
// own current seq, read by a page from 0, tells which (isNewLog).
//
// Freshness: a heartbeat proves every entry up to its current_seq has arrived, as read from the
// log at verified_at_ms; its age is (server_time_ms − verified_at_ms) + our monotonic time since
// it arrived, so no two clocks need to agree. A page that completes proves the same as of the
// moment its request was sent.
//
// Single-threaded (one event loop): the loop and verify() share the view without locks.
import { getJson, openEventStream } from './http.js';
import { SseParser } from './sse.js';
import { RevocationView, validEntry } from './view.js';

const MIN_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2000;
const SWEEP_MS = 60000;

class ProtocolError extends Error {}

export class FeedFollower {
  constructor({ pageUrl, streamUrl, authorization, heartbeatMs, clock, logger, pageLimit = 10000,
    timeoutMs = 5000, idleMs, agent }) {
    this.pageUrl = pageUrl;
    this.streamUrl = streamUrl;
    this.headers = { authorization };
    this.clock = clock;
    this.logger = logger;
    this.pageLimit = pageLimit;
    this.timeoutMs = timeoutMs;
    // A healthy stream sends a heartbeat every heartbeatMs; one silent for ten of them is dead.
    this.idleMs = idleMs ?? Math.max(10 * heartbeatMs, 2000);
    this.agent = agent;

    this.view = new RevocationView();
    this.cursor = 0;
    this.proof = null;  // { ageAtArrival, arrivedAt }: the newest evidence that the view is current
    this.connected = false;
    this.closed = false;
    this.stream = null;
    this.sleeper = null;
    this.counters = { pages: 0, streams: 0, heartbeats: 0, revocations: 0, repages: 0, behind: 0, resets: 0 };
    this.lastError = null;
    this.sweeper = setInterval(() => this.view.sweep(Math.floor(this.clock.now() / 1000)), SWEEP_MS);
    this.sweeper.unref();
  }

  // Milliseconds since the view was last proven current; Infinity before the first proof.
  ageMs() {
    const p = this.proof;
    return p === null ? Infinity : p.ageAtArrival + (this.clock.monotonic() - p.arrivedAt);
  }

  // Starts following. Resolves at the first heartbeat (the view is current and the stream
  // works); rejects if that takes longer than timeoutMs, with the last error seen.
  start(timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.onReady = null;
        const why = this.lastError ? `: ${this.lastError}` : '';
        reject(new Error(`revocation feed not current within ${timeoutMs} ms${why}`));
      }, timeoutMs);
      this.onReady = () => { clearTimeout(timer); this.onReady = this.onRefused = null; resolve(); };
      // Wrong credentials or an address jwtd does not allow: waiting will not help.
      this.onRefused = (e) => { clearTimeout(timer); this.onReady = this.onRefused = null; reject(e); };
      this.loop = this.run();
    });
  }

  async run() {
    let from = 0;
    let backoff = MIN_BACKOFF_MS;
    while (!this.closed) {
      let outcome;
      try {
        await this.catchUp(from);
        outcome = await this.follow();
      } catch (e) {
        outcome = { error: e };
      }
      if (this.closed) break;
      if (outcome.error) this.noteError(outcome.error);
      if (outcome.healthy) backoff = MIN_BACKOFF_MS;
      from = outcome.repageFrom ?? this.cursor;
      if (outcome.repageFrom !== undefined) continue;  // told to page: at once
      if (outcome.behind) {
        try {
          if (await this.isNewLog()) from = 0;
        } catch (e) {
          this.noteError(e);
        }
      }
      // A node behind our cursor: page (which rebuilds if the log is new) and try again soon;
      // anything else backs off.
      await this.sleep(outcome.behind ? MIN_BACKOFF_MS : backoff);
      if (!outcome.behind) backoff = Math.min(2 * backoff, MAX_BACKOFF_MS);
    }
  }

  noteError(e) {
    const message = e?.message ?? String(e);
    // One line per change of trouble, not one per retry.
    if (message !== this.lastError) this.logger?.warn(`revocation feed: ${message}; retrying`);
    this.lastError = message;
    if (e?.status === 401 || e?.status === 403 || e?.status === 404) this.onRefused?.(e);
  }

  // Drops the view: the log is not the one we followed. Until rebuilt, nothing is current.
  reset(why) {
    this.logger?.warn(`revocation feed: ${why}; rebuilding the view from seq 0`);
    this.counters.resets++;
    this.view.clear();
    this.cursor = 0;
    this.proof = null;
  }

  // Whether the log's current seq is below our cursor: a new database. Asked from seq 0, as a
  // page from our cursor reports at least the cursor when it finds nothing after it.
  async isNewLog() {
    const url = `${this.pageUrl}?after=0&limit=1`;
    const { json: page } = await getJson(url, { headers: this.headers, timeoutMs: this.timeoutMs,
      agent: this.agent });
    if (!Number.isSafeInteger(page?.current_seq)) throw new ProtocolError('malformed revocation page');
    if (page.current_seq >= this.cursor) return false;
    this.reset(`log position ${page.current_seq} is below our cursor ${this.cursor}`);
    return true;
  }

  // Pages from `after` until complete; then the view is current as of the last request.
  async catchUp(after) {
    for (let pages = 0; !this.closed; pages++) {
      const sentAt = this.clock.monotonic();
      const url = `${this.pageUrl}?after=${after}&limit=${this.pageLimit}`;
      const { json: page } = await getJson(url, { headers: this.headers, timeoutMs: this.timeoutMs,
        agent: this.agent });
      this.counters.pages++;
      if (!page || !Array.isArray(page.entries) || !Number.isSafeInteger(page.next) ||
          !Number.isSafeInteger(page.current_seq) || typeof page.complete !== 'boolean') {
        throw new ProtocolError('malformed revocation page');
      }
      if (page.current_seq < Math.max(after, this.cursor)) {
        this.reset(`log position ${page.current_seq} is below our cursor ${Math.max(after, this.cursor)}`);
        after = 0;
        continue;
      }
      for (const e of page.entries) {
        if (!validEntry(e)) throw new ProtocolError('malformed revocation entry');
        this.view.apply(e);
      }
      this.cursor = Math.max(this.cursor, page.next);
      if (page.complete) {
        this.prove(0, sentAt);
        return;
      }
      if (page.next <= after) throw new ProtocolError('revocation page did not advance');
      after = page.next;
    }
  }

  prove(ageAtArrival, arrivedAt) {
    const candidate = { ageAtArrival: Math.max(0, ageAtArrival), arrivedAt };
    // Keep whichever proof is younger (a page and a heartbeat may cross).
    const now = this.clock.monotonic();
    const p = this.proof;
    if (p === null || candidate.ageAtArrival + (now - arrivedAt) < p.ageAtArrival + (now - p.arrivedAt)) {
      this.proof = candidate;
    }
  }

  // Follows the stream until it ends. Resolves { healthy, repageFrom?, behind?, error? }.
  follow() {
    return new Promise((resolve) => {
      let outcome = { healthy: false };
      const parser = new SseParser((ev) => {
        const result = this.onEvent(ev);
        if (result === 'heartbeat') outcome.healthy = true;
        else if (result !== undefined) {
          outcome = { ...outcome, ...result };
          this.stream?.close();
        }
      });
      this.counters.streams++;
      this.stream = openEventStream(this.streamUrl, {
        headers: { ...this.headers, 'last-event-id': String(this.cursor) },
        idleMs: this.idleMs, connectTimeoutMs: this.timeoutMs, agent: this.agent,
      }, {
        onOpen: () => { this.connected = true; },
        onText: (text) => parser.push(text),
        onEnd: (err) => {
          this.connected = false;
          this.stream = null;
          if (err && outcome.repageFrom === undefined && !outcome.behind) outcome.error = err;
          resolve(outcome);
        },
      });
    });
  }

  // Applies one event. Returns 'heartbeat', { repageFrom }, { behind: true }, or undefined.
  onEvent({ type, data }) {
    if (type === 'revocation') {
      const e = JSON.parse(data);
      if (!validEntry(e)) throw new ProtocolError('malformed revocation event');
      this.view.apply(e);
      this.counters.revocations++;
      if (e.seq > this.cursor) this.cursor = e.seq;
      return undefined;
    }
    if (type === 'heartbeat') {
      const arrivedAt = this.clock.monotonic();
      const h = JSON.parse(data);
      if (!Number.isSafeInteger(h.current_seq) || !Number.isFinite(h.verified_at_ms) ||
          !Number.isFinite(h.server_time_ms)) {
        throw new ProtocolError('malformed heartbeat');
      }
      // Below our cursor: a new database, or only a node whose feed has not yet read what our
      // last page did (another node behind a load balancer, or a read in flight). A page reads
      // the log itself and tells the two apart (catchUp); the heartbeat proves nothing.
      if (h.current_seq < this.cursor) {
        this.counters.behind++;
        return { behind: true };
      }
      this.cursor = h.current_seq;
      this.counters.heartbeats++;
      this.prove(h.server_time_ms - h.verified_at_ms, arrivedAt);
      if (this.lastError !== null) {
        this.logger?.info?.(`revocation feed: following again at seq ${this.cursor}`);
        this.lastError = null;
      }
      this.onReady?.();
      return 'heartbeat';
    }
    if (type === 'repage') {
      const r = JSON.parse(data);
      if (!Number.isSafeInteger(r.after)) throw new ProtocolError('malformed repage event');
      this.counters.repages++;
      return { repageFrom: Math.min(r.after, this.cursor) };
    }
    return undefined;  // an event type from a newer jwtd
  }

  sleep(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.sleeper = null; resolve(); }, ms);
      this.sleeper = { timer, resolve };
    });
  }

  status() {
    return { cursor: this.cursor, connected: this.connected, entries: this.view.sizes(),
      counters: { ...this.counters }, lastError: this.lastError };
  }

  async close() {
    this.closed = true;
    clearInterval(this.sweeper);
    this.stream?.close();
    if (this.sleeper) {
      clearTimeout(this.sleeper.timer);
      this.sleeper.resolve();
    }
    await this.loop;
  }
}
