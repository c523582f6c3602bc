// The shared DPoP replay store (dpop.replayStore) without a jwtd: two Verifiers standing for two
// processes behind a load balancer share one store, so a proof accepted by one is a replay on
// the other; a store that fails refuses (stale, 503) rather than accept unrecorded. The store
// here is a Map with expiry that keeps the contract Redis's SET NX PX keeps (one claim wins
// per key until it expires). The conformance vectors give the keys, tokens, proofs and clock.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { expressMiddleware, fastifyHook } from '../src/index.js';
import { KeyStore } from '../src/keys.js';
import { ReplayCache } from '../src/replay.js';
import { Verifier } from '../src/verifier.js';
import { RevocationView } from '../src/view.js';

const vectors = JSON.parse(readFileSync(new URL('../../../tests/vectors/access_check.json', import.meta.url)));
const byName = (name) => vectors.cases.find((c) => c.name === name);
const VALID = byName('dpop_valid_es256');
const FRESH = byName('dpop_iat_window_edge');  // another jti for the same token and key
const ORIGIN = 'https://api.example';
const PATH = '/v1/me';
const TTL = vectors.params.dpop.window + vectors.params.dpop.skew;

// One store for every "process": atomic (no await between the look-up and the insert, on one
// event loop) and each key remembered for ttlSeconds of the shared clock.
class SharedStore {
  constructor(clock) {
    this.clock = clock;
    this.until = new Map();
    this.calls = [];
  }

  async claim(key, ttlSeconds) {
    this.calls.push({ key, ttlSeconds });
    const now = this.clock.now * 1000;
    if ((this.until.get(key) ?? -Infinity) > now) return false;
    this.until.set(key, now + ttlSeconds * 1000);
    return true;
  }
}

async function node(replayStore, clock, logger = null) {
  const keys = new KeyStore({ monotonic: () => 0 });
  await keys.load(vectors.jwks);
  const p = vectors.params;
  return new Verifier({
    settings: { issuer: p.issuer, audience: p.audience, typ: p.typ, leeway: p.leeway,
      maxLifetime: p.access_ttl, maxTokenBytes: p.max_token_bytes },
    keys,
    feed: { view: new RevocationView(), ageMs: () => 0 },
    clock: { now: () => clock.now * 1000, monotonic: () => 0 },
    dpop: { algs: p.dpop.algs, windowSeconds: p.dpop.window, skewSeconds: p.dpop.skew, replayStore },
    logger,
  });
}

const request = (c) => ({ authorization: `${c.request.scheme} ${c.token}`, dpop: c.request.proof,
  method: c.request.method, url: c.request.uri });
const refusalOf = (promise) => promise.then(() => 'accepted',
  (e) => ({ reason: e.reason, errorCode: e.errorCode, dpop: e.dpop, detail: e.detail, retryAfter: e.retryAfter }));
const jtiOf = (c) => JSON.parse(Buffer.from(c.request.proof.split('.')[1], 'base64url')).jti;

test('two nodes, one store: a proof accepted by A is a replay on B; a fresh one passes on B', async () => {
  const clock = { now: VALID.now };
  const store = new SharedStore(clock);
  const [a, b] = [await node(store, clock), await node(store, clock)];
  assert.equal((await a.verifyRequest(request(VALID))).cnf.jkt, VALID.expect.jkt);
  const onB = await refusalOf(b.verifyRequest(request(VALID)));
  // The same answer as a replay to the same process.
  assert.deepEqual(onB, await refusalOf(a.verifyRequest(request(VALID))));
  assert.deepEqual(onB, { reason: 'invalid', errorCode: 'invalid_dpop_proof', dpop: true,
    detail: "the proof's jti was used before", retryAfter: undefined });
  assert.equal((await b.verifyRequest(request(FRESH))).sub, '42');
  assert.deepEqual(await refusalOf(a.verifyRequest(request(FRESH))), onB, 'and back on A');
  // A's own replay was caught by its local cache: no round trip. The store sees each proof once
  // per node that found it new, under a digest that names neither the jkt nor the jti.
  assert.equal(store.calls.length, 4);
  const key = ReplayCache.keyOf(VALID.expect.jkt, jtiOf(VALID));
  assert.deepEqual(store.calls.slice(0, 2), [{ key, ttlSeconds: TTL }, { key, ttlSeconds: TTL }]);
  assert.match(key, /^[A-Za-z0-9_-]{22}$/);
  assert.ok(!key.includes(jtiOf(VALID)) && !VALID.expect.jkt.includes(key));
  // base64url(SHA-256(jkt NUL jti)[:16]), pinned: the Python SDK and jwtd name this pair alike.
  assert.equal(ReplayCache.keyOf('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs', 'e1j3V_bKic8-LAEB'),
    'b3QycQrEfvJ2Eci1SWCL4w');
  assert.deepEqual(a.status().dpop, { replayEntries: 2, maxReplayEntries: 100000, replayStore: true,
    replayStoreFailing: false });
});

test('a store that says "seen" refuses as a local replay does, and only accepted proofs reach it', async () => {
  const clock = { now: VALID.now };
  const seen = { calls: 0, claim: async () => { seen.calls++; return false; } };
  const v = await node(seen, clock);
  const local = await node(null, clock);
  await local.verifyRequest(request(VALID));
  assert.deepEqual(await refusalOf(v.verifyRequest(request(VALID))), await refusalOf(local.verifyRequest(request(VALID))));
  // A proof refused before the replay check never costs a round trip.
  const wrongHtm = byName('dpop_wrong_htm');
  assert.equal((await refusalOf(v.verifyRequest(request(wrongHtm)))).errorCode, 'invalid_dpop_proof');
  assert.equal(seen.calls, 1);
});

test('a store that throws, rejects or answers neither true nor false: stale, and never accepted', async () => {
  const clock = { now: VALID.now };
  const warnings = [];
  const logger = { warn: (m) => warnings.push(m) };
  const answers = [
    () => { throw Object.assign(new Error('connect ECONNREFUSED redis://:secret@10.0.0.9'), { code: 'ECONNREFUSED' }); },
    async () => { throw new Error('timeout'); },
    async () => 'OK',
    async () => undefined,
    () => Promise.reject('no reason'),
  ];
  for (const [i, answer] of answers.entries()) {
    const store = { claim: answer };
    const v = await node(store, clock, logger);
    const refused = await refusalOf(v.verifyRequest(request(VALID)));
    assert.deepEqual(refused, { reason: 'stale', errorCode: 'temporarily_unavailable', dpop: true,
      detail: 'the shared DPoP replay store did not answer', retryAfter: 1 }, `answer ${i}`);
    assert.equal(v.status().dpop.replayStoreFailing, true);
    // Recovered: still refused, now as a replay (the local cache kept the proof it could not
    // record); a fresh proof passes, and the recovery is logged.
    const shared = new SharedStore(clock);
    store.claim = (key, ttl) => shared.claim(key, ttl);
    assert.equal((await refusalOf(v.verifyRequest(request(VALID)))).errorCode, 'invalid_dpop_proof');
    assert.equal((await v.verifyRequest(request(FRESH))).sub, '42');
    assert.equal(v.status().dpop.replayStoreFailing, false);
  }
  // One line when it starts failing, one when it answers again; never the error's message.
  assert.equal(warnings.length, 2 * answers.length);
  assert.match(warnings[0], /replay store failed \(Error ECONNREFUSED\)/);
  assert.match(warnings[1], /answers again/);
  assert.match(warnings[4], /neither true nor false/);
  assert.ok(warnings.every((w) => !w.includes('secret')));
});

test('a failing store keeps failing closed: every new proof is refused until it answers', async () => {
  const clock = { now: VALID.now };
  const warnings = [];
  const v = await node({ claim: async () => { throw new Error('down'); } }, clock, { warn: (m) => warnings.push(m) });
  for (const c of [VALID, FRESH, byName('dpop_iat_within_skew')]) {
    assert.equal((await refusalOf(v.verifyRequest(request(c)))).reason, 'stale', c.name);
  }
  assert.equal(warnings.length, 1);
});

test('dpop.replayStore must have claim()', async () => {
  const clock = { now: VALID.now };
  await assert.rejects(node({}, clock), TypeError);
  await assert.rejects(node({ claim: 'yes' }, clock), TypeError);
  assert.equal((await node(undefined, clock)).dpop.replayStore, null);
});

const failing = { claim: async () => { throw new Error('redis down'); } };
const dpopHeaders = (c) => ({ authorization: `DPoP ${c.token}`, dpop: c.request.proof });

test('Express: two apps share a store (a replay to the other one is 401); a failing store is 503', async () => {
  const clock = { now: VALID.now };
  const store = new SharedStore(clock);
  const apps = [await node(store, clock), await node(store, clock), await node(failing, clock)].map((v) => {
    const app = express();
    app.get(PATH, expressMiddleware(v, { origin: ORIGIN }), (req, res) => res.json({ sub: req.auth.sub }));
    return app;
  });
  const servers = await Promise.all(apps.map((app) => new Promise((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  })));
  const url = (i) => `http://127.0.0.1:${servers[i].address().port}${PATH}`;
  try {
    assert.equal((await fetch(url(0), { headers: dpopHeaders(VALID) })).status, 200);
    const replayed = await fetch(url(1), { headers: dpopHeaders(VALID) });
    assert.equal(replayed.status, 401);
    assert.equal(replayed.headers.get('www-authenticate'), 'DPoP error="invalid_dpop_proof"');
    assert.equal((await fetch(url(1), { headers: dpopHeaders(FRESH) })).status, 200);
    const down = await fetch(url(2), { headers: dpopHeaders(VALID) });
    assert.equal(down.status, 503);
    assert.equal(down.headers.get('retry-after'), '1');
    assert.equal(down.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await down.json(), { error: 'temporarily_unavailable',
      error_description: 'DPoP replay check unavailable, retry later' });
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
});

test('Fastify: a failing store is 503 with Retry-After; a store that says seen is 401', async () => {
  const clock = { now: VALID.now };
  for (const [store, status] of [[failing, 503], [{ claim: async () => false }, 401], [new SharedStore(clock), 200]]) {
    const app = Fastify();
    app.get(PATH, { onRequest: fastifyHook(await node(store, clock), { origin: ORIGIN }) }, async () => ({}));
    const res = await app.inject({ method: 'GET', url: PATH, headers: dpopHeaders(VALID) });
    assert.equal(res.statusCode, status);
    if (status === 503) {
      assert.equal(res.headers['retry-after'], '1');
      assert.equal(res.json().error, 'temporarily_unavailable');
    } else if (status === 401) {
      assert.equal(res.headers['www-authenticate'], 'DPoP error="invalid_dpop_proof"');
    }
    await app.close();
  }
});
