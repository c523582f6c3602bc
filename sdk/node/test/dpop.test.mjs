// DPoP (RFC 9449) without a jwtd: the replay cache, htu normalisation, the Authorization
// parser, verifyRequest's own rules, and the Express and Fastify adapters over a Verifier built
// from the conformance vectors' keys, tokens and proofs (their clock: the vectors' `now`).
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { expressMiddleware, fastifyHook, fastifyVerifier } from '../src/index.js';
import { accessTokenHash, normalizeHtu } from '../src/dpop.js';
import { KeyStore } from '../src/keys.js';
import { ReplayCache } from '../src/replay.js';
import { credentialOf } from '../src/request.js';
import { Verifier } from '../src/verifier.js';
import { RevocationView } from '../src/view.js';

const vectors = JSON.parse(readFileSync(new URL('../../../tests/vectors/access_check.json', import.meta.url)));
const byName = (name) => vectors.cases.find((c) => c.name === name);
const VALID = byName('dpop_valid_es256');
const ORIGIN = 'https://api.example';
const PATH = '/v1/me';

async function makeVerifier({ now = VALID.now, replayEntries } = {}) {
  const keys = new KeyStore({ monotonic: () => 0 });
  await keys.load(vectors.jwks);
  const p = vectors.params;
  const clock = { now };
  const verifier = new Verifier({
    settings: { issuer: p.issuer, audience: p.audience, typ: p.typ, leeway: p.leeway,
      maxLifetime: p.access_ttl, maxTokenBytes: p.max_token_bytes },
    keys,
    feed: { view: new RevocationView(), ageMs: () => 0 },
    clock: { now: () => clock.now * 1000, monotonic: () => 0 },
    dpop: { replayEntries },
  });
  return { verifier, clock };
}

const dpopHeaders = (c) => ({ authorization: `DPoP ${c.token}`, dpop: c.request.proof });
const request = (c, over = {}) => ({ authorization: `${c.request.scheme} ${c.token}`, dpop: c.request.proof,
  method: c.request.method, url: c.request.uri, ...over });

async function refusalOf(promise) {
  try {
    await promise;
  } catch (e) {
    return { reason: e.reason, errorCode: e.errorCode, dpop: e.dpop };
  }
  return 'accepted';
}

test('replay cache: seen for a whole generation after the insert, then forgotten; bounded', () => {
  const cache = new ReplayCache(65, 1_000_000);
  assert.equal(cache.add('k', 'j1', 1000), 'new');
  for (let t = 1000; t <= 1065; t++) assert.equal(cache.add('k', 'j1', t), 'seen', `t=${t}`);
  assert.equal(cache.add('k2', 'j1', 1066), 'new', 'the same jti under another key is another proof');
  assert.equal(cache.add('k', 'j1', 1000 + 3 * 65), 'new', 'forgotten long after');
  const full = new ReplayCache(10, 8);  // 4 per generation
  for (const j of ['a', 'b', 'c', 'd']) assert.equal(full.add('k', j, 100), 'new');
  assert.equal(full.add('k', 'e', 100), 'full');
  assert.equal(full.add('k', 'a', 100), 'seen');
  assert.equal(full.size, 4);
  assert.equal(full.add('k', 'e', 111), 'new', 'a new generation has room');
  assert.equal(full.add('k', 'a', 111), 'seen', 'the previous generation is still remembered');
});

test('verifyRequest: the same proof twice is refused; another proof with a new jti passes', async () => {
  const { verifier } = await makeVerifier();
  const claims = await verifier.verifyRequest(request(VALID));
  assert.equal(claims.cnf.jkt, VALID.expect.jkt);
  assert.deepEqual(await refusalOf(verifier.verifyRequest(request(VALID))),
    { reason: 'invalid', errorCode: 'invalid_dpop_proof', dpop: true });
  // The window-edge case's proof is another jti for the same token and key.
  const edge = byName('dpop_iat_window_edge');
  assert.equal((await verifier.verifyRequest(request(edge))).sub, '42');
  assert.equal(verifier.status().dpop.replayEntries, 2);
});

test('verifyRequest: a full replay cache refuses (503-worthy stale) instead of forgetting', async () => {
  const { verifier } = await makeVerifier({ replayEntries: 2 });  // one proof per generation
  await verifier.verifyRequest(request(VALID));
  const next = byName('dpop_iat_within_skew');
  const refused = await verifier.verifyRequest(request(next)).catch((e) => e);
  assert.equal(refused.reason, 'stale');
  assert.equal(refused.errorCode, 'temporarily_unavailable');
  assert.equal(refused.retryAfter, vectors.params.dpop.window);
});

test('verifyRequest: credentials, proofs and arguments', async () => {
  const { verifier } = await makeVerifier();
  assert.deepEqual(await refusalOf(verifier.verifyRequest({ authorization: 'Basic dXNlcjpwYXNz' })),
    { reason: 'invalid', errorCode: 'invalid_request', dpop: false });
  assert.deepEqual(await refusalOf(verifier.verifyRequest(request(VALID, { dpop: [VALID.request.proof, VALID.request.proof] }))),
    { reason: 'invalid', errorCode: 'invalid_dpop_proof', dpop: true }, 'two DPoP headers');
  assert.deepEqual(await refusalOf(verifier.verify(VALID.token)),
    { reason: 'invalid', errorCode: 'invalid_token', dpop: true }, 'verify() is a bearer request');
  await assert.rejects(verifier.verifyRequest(request(VALID, { url: undefined })), TypeError);
  // A Bearer request is verify(): the unbound token of the vectors passes, with no proof.
  assert.equal((await verifier.verifyRequest({ authorization: `Bearer ${byName('valid').token}` })).sub, '42');
  // The scheme name is case-insensitive; the refusals above never recorded the proof's jti.
  assert.equal((await verifier.verifyRequest(request(VALID, { authorization: `dpop ${VALID.token}` }))).sub, '42');
});

test('a proof key must fit its alg: ES256 over a P-384 jwk is refused', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } })}.${b64({ jti: 'p384', htm: 'GET',
    htu: VALID.request.uri, iat: VALID.now, ath: accessTokenHash(VALID.token) })}`;
  const sig = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const { verifier } = await makeVerifier();
  const refused = await verifier.verifyRequest(request(VALID, { dpop: `${input}.${sig.toString('base64url')}` })).catch((e) => e);
  assert.equal(refused.errorCode, 'invalid_dpop_proof');
  assert.match(refused.detail, /jwk/);
});

// A proof for VALID's request by the key VALID's token is bound to (the vectors' test-only client
// key), its header and claims changed by `header` and `claims`. Its JSON is ASCII, as Python's
// json.dumps writes it: every other UTF-16 code unit a \u escape, so U+1F600 is the pair
// \ud83d\ude00 and a lone surrogate a lone escape (JSON.stringify already escapes those).
function clientProof(header = {}, claims = {}) {
  const key = createPrivateKey(readFileSync(new URL('../../../tests/vectors/keys/dpop_client_es256.pem', import.meta.url)));
  const { kty, crv, x, y } = createPublicKey(key).export({ format: 'jwk' });
  const b64 = (o) => Buffer.from(JSON.stringify(o).replace(/[\u0080-\uffff]/g,
    (u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`)).toString('base64url');
  const input = `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y }, ...header })}.${b64({ jti: 'client-proof',
    htm: 'GET', htu: VALID.request.uri, iat: VALID.now, ath: accessTokenHash(VALID.token), ...claims })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

test('surrogate escapes in a proof header and payload: unpaired refused, pairs accepted', async () => {
  const { verifier } = await makeVerifier();
  for (const [header, claims] of [[{ kid: '\ud800' }, {}], [{ 'x\udfff': 1 }, {}], [{}, { jti: 'a\udc00b' }],
    [{}, { nonce: '\ud83d' }]]) {
    assert.deepEqual(await refusalOf(verifier.verifyRequest(request(VALID, { dpop: clientProof(header, claims) }))),
      { reason: 'invalid', errorCode: 'invalid_dpop_proof', dpop: true }, JSON.stringify([header, claims]));
  }
  const proof = clientProof({ kid: '\u{1F600}' }, { jti: '\u{1F600}', nonce: '\u{1F600}' });
  assert.match(Buffer.from(proof.split('.')[0], 'base64url').toString(), /"kid":"\\ud83d\\ude00"/);
  assert.equal((await verifier.verifyRequest(request(VALID, { dpop: proof }))).sub, '42');
  assert.equal((await refusalOf(verifier.verifyRequest(request(VALID, { dpop: proof })))).errorCode,
    'invalid_dpop_proof', 'its jti (one character) is recorded like any');
});

test('htu normalisation (RFC 3986 §6.2.2-6.2.3) and ath', () => {
  const same = ['https://api.example/v1/me', 'HTTPS://API.EXAMPLE/v1/me', 'https://api.example:443/v1/me',
    'https://api.example/v1/me?q=1', 'https://api.example/v1/me#f', 'https://api.example/v1/%6d%65',
    'https://api.example:/v1/me'];
  for (const u of same) assert.equal(normalizeHtu(u), 'https://api.example/v1/me', u);
  assert.equal(normalizeHtu('http://h'), 'http://h/');
  assert.equal(normalizeHtu('http://h:80/a%2fb'), 'http://h/a%2Fb');
  assert.equal(normalizeHtu('http://[::1]:8080/x'), 'http://[::1]:8080/x');
  assert.equal(normalizeHtu('http://[::1]/x'), 'http://[::1]/x');
  for (const bad of ['/v1/me', 'ftp://h/x', 'https://u@h/x', 'https:///x', 'https://h:8x/x', 'https://h/%zz', 42]) {
    assert.equal(normalizeHtu(bad), null, String(bad));
  }
  assert.notEqual(normalizeHtu('https://api.example/V1/me'), normalizeHtu('https://api.example/v1/me'));
  assert.equal(accessTokenHash('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
});

test('Authorization: Bearer and DPoP, case-insensitive schemes, one b64token', () => {
  assert.deepEqual(credentialOf('DPoP abc.def'), { scheme: 'DPoP', token: 'abc.def' });
  assert.deepEqual(credentialOf('dpop abc'), { scheme: 'DPoP', token: 'abc' });
  assert.deepEqual(credentialOf('BEARER abc'), { scheme: 'Bearer', token: 'abc' });
  for (const bad of [undefined, '', 'DPoP', 'DPoP ', 'Basic abc', 'DPoP a b', 'DPoPabc']) {
    assert.equal(credentialOf(bad), null, String(bad));
  }
});

// [name, headers of the request, status, WWW-Authenticate, error]
const adapterCases = () => [
  ['no credentials', {}, 401, 'Bearer, DPoP algs="ES256 EdDSA"', 'invalid_request'],
  ['bound token as Bearer', { authorization: `Bearer ${VALID.token}` }, 401, 'DPoP error="invalid_token"', 'invalid_token'],
  ['no proof', { authorization: `DPoP ${VALID.token}` }, 401, 'DPoP error="invalid_dpop_proof"', 'invalid_dpop_proof'],
  ['wrong htm', { authorization: `DPoP ${VALID.token}`, dpop: byName('dpop_wrong_htm').request.proof }, 401,
    'DPoP error="invalid_dpop_proof"', 'invalid_dpop_proof'],
  ['unbound token under DPoP', { authorization: `DPoP ${byName('dpop_unbound_token_under_dpop').token}`,
    dpop: byName('dpop_unbound_token_under_dpop').request.proof }, 401, 'DPoP error="invalid_token"', 'invalid_token'],
  ['bad token', { authorization: 'DPoP not.a.token', dpop: VALID.request.proof }, 401, 'Bearer error="invalid_token"', 'invalid_token'],
  // Unpaired surrogate escapes are malformed JSON: a 401 like any, never an answer from a throw.
  ['lone surrogate in the token', { authorization: `Bearer ${byName('jti_lone_surrogate').token}` }, 401,
    'Bearer error="invalid_token"', 'invalid_token'],
  ['lone surrogate in the proof', dpopHeaders(byName('dpop_jti_lone_surrogate')), 401,
    'DPoP error="invalid_dpop_proof"', 'invalid_dpop_proof'],
  ['lone surrogate in the proof header', dpopHeaders(byName('dpop_header_lone_surrogate')), 401,
    'DPoP error="invalid_dpop_proof"', 'invalid_dpop_proof'],
];

// Paired surrogate escapes are characters like any: in the token's jti, in the proof's.
const pairedCases = () => [
  ['paired surrogates in the token', { authorization: `Bearer ${byName('jti_surrogate_pair').token}` }, null],
  ['paired surrogates in the proof', dpopHeaders(byName('dpop_jti_surrogate_pair')), VALID.expect.jkt],
];

function checkAnswer(name, status, headers, body, [, , wantStatus, challenge, error]) {
  assert.equal(status, wantStatus, name);
  assert.equal(headers['www-authenticate'], challenge, name);
  assert.equal(headers['cache-control'], 'no-store', name);
  assert.equal(body.error, error, name);
}

async function withExpress(app, run) {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    await run(`http://127.0.0.1:${server.address().port}`);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

test('Express with origin: a DPoP request passes once; refusals carry the DPoP challenge', async () => {
  const { verifier } = await makeVerifier();
  const app = express();
  app.get(PATH, expressMiddleware(verifier, { origin: ORIGIN }), (req, res) => res.json({ jkt: req.auth.cnf?.jkt ?? null }));
  await withExpress(app, async (base) => {
    // The query is not part of htu; the Host header (127.0.0.1:port) plays no part.
    const ok = await fetch(`${base}${PATH}?page=2`, { headers: { authorization: `DPoP ${VALID.token}`, dpop: VALID.request.proof } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { jkt: VALID.expect.jkt });
    const again = await fetch(`${base}${PATH}`, { headers: { authorization: `DPoP ${VALID.token}`, dpop: VALID.request.proof } });
    checkAnswer('replayed', again.status, Object.fromEntries(again.headers), await again.json(),
      [null, null, 401, 'DPoP error="invalid_dpop_proof"', 'invalid_dpop_proof']);
    for (const c of adapterCases()) {
      const res = await fetch(`${base}${PATH}`, { headers: c[1] });
      checkAnswer(c[0], res.status, Object.fromEntries(res.headers), await res.json(), c);
    }
    // A Bearer request with an unbound token still works as before.
    const bearer = await fetch(`${base}${PATH}`, { headers: { authorization: `Bearer ${byName('valid').token}` } });
    assert.equal(bearer.status, 200);
    assert.deepEqual(await bearer.json(), { jkt: null });
    for (const [name, headers, jkt] of pairedCases()) {
      const res = await fetch(`${base}${PATH}`, { headers });
      assert.equal(res.status, 200, name);
      assert.deepEqual(await res.json(), { jkt }, name);
    }
  });
});

test('Express: the URL is the configured origin, whatever the Host header says', async () => {
  const { verifier } = await makeVerifier();
  const app = express();
  app.get(PATH, expressMiddleware(verifier, { origin: 'https://other.example' }), (req, res) => res.json({}));
  await withExpress(app, async (base) => {
    const res = await fetch(`${base}${PATH}`, { headers: { host: 'api.example', authorization: `DPoP ${VALID.token}`, dpop: VALID.request.proof } });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'DPoP error="invalid_dpop_proof"');
  });
  assert.throws(() => expressMiddleware(verifier, { origin: 'https://api.example/base' }), TypeError);
  assert.throws(() => expressMiddleware(verifier, { origin: 'api.example' }), TypeError);
});

test('Express without origin: Bearer only (DPoP reads as no credentials), bound tokens refused', async () => {
  const { verifier } = await makeVerifier();
  const app = express();
  app.get(PATH, expressMiddleware(verifier), (req, res) => res.json({ sub: req.auth.sub }));
  await withExpress(app, async (base) => {
    const dpop = await fetch(`${base}${PATH}`, { headers: { authorization: `DPoP ${VALID.token}`, dpop: VALID.request.proof } });
    assert.equal(dpop.status, 401);
    assert.equal(dpop.headers.get('www-authenticate'), 'Bearer');
    const bound = await fetch(`${base}${PATH}`, { headers: { authorization: `Bearer ${VALID.token}` } });
    assert.equal(bound.status, 401);
    assert.equal(bound.headers.get('www-authenticate'), 'DPoP error="invalid_token"');
    const bearer = await fetch(`${base}${PATH}`, { headers: { authorization: `Bearer ${byName('valid').token}` } });
    assert.deepEqual(await bearer.json(), { sub: '42' });
  });
});

test('Fastify plugin and hook with origin: DPoP requests, then the same refusals', async () => {
  for (const register of ['plugin', 'hook']) {
    const { verifier } = await makeVerifier();
    const app = Fastify();
    if (register === 'plugin') {
      await app.register(fastifyVerifier, { verifier, origin: ORIGIN });
      app.get(PATH, async (request) => ({ jkt: request.auth.cnf?.jkt ?? null }));
    } else {
      app.get(PATH, { onRequest: fastifyHook(verifier, { origin: ORIGIN }) }, async (request) => ({ jkt: request.auth.cnf?.jkt ?? null }));
    }
    const headers = { authorization: `DPoP ${VALID.token}`, dpop: VALID.request.proof };
    const ok = await app.inject({ method: 'GET', url: `${PATH}?x=1`, headers });
    assert.equal(ok.statusCode, 200, register);
    assert.deepEqual(ok.json(), { jkt: VALID.expect.jkt });
    const again = await app.inject({ method: 'GET', url: PATH, headers });
    checkAnswer(`${register} replayed`, again.statusCode, again.headers, again.json(),
      [null, null, 401, 'DPoP error="invalid_dpop_proof"', 'invalid_dpop_proof']);
    for (const c of adapterCases()) {
      const res = await app.inject({ method: 'GET', url: PATH, headers: c[1] });
      checkAnswer(`${register} ${c[0]}`, res.statusCode, res.headers, res.json(), c);
    }
    for (const [name, headers, jkt] of pairedCases()) {
      const res = await app.inject({ method: 'GET', url: PATH, headers });
      assert.equal(res.statusCode, 200, `${register} ${name}`);
      assert.deepEqual(res.json(), { jkt }, `${register} ${name}`);
    }
    await app.close();
  }
});

test('adapters: a full replay cache answers 503 with Retry-After of the proof window', async () => {
  const { verifier } = await makeVerifier({ replayEntries: 2 });
  const app = Fastify();
  app.get(PATH, { onRequest: fastifyHook(verifier, { origin: ORIGIN }) }, async () => ({}));
  const send = (c) => app.inject({ method: 'GET', url: PATH,
    headers: { authorization: `DPoP ${c.token}`, dpop: c.request.proof } });
  assert.equal((await send(VALID)).statusCode, 200);
  const busy = await send(byName('dpop_iat_within_skew'));
  assert.equal(busy.statusCode, 503);
  assert.equal(busy.headers['retry-after'], String(vectors.params.dpop.window));
  assert.equal(busy.json().error, 'temporarily_unavailable');
  await app.close();
});
