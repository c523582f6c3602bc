// expressMiddleware and the Fastify plugin/hook against a real jwtd and verifier: req.auth on
// success, RFC 6750 challenges on refusal (the stale 503 is in resilience.test.mjs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { createVerifier, expressMiddleware, fastifyHook, fastifyVerifier } from '@jwtd/verifier';
import { FEED, ISSUER, login, logout, outcome, quietLogger, startJwtd, waitFor } from './jwtd.mjs';

let jwtd;
let verifier;
let good;
let revoked;

before(async () => {
  jwtd = await startJwtd({ settings: [`tokens.issuer=${ISSUER}`] });
  verifier = await createVerifier({ issuer: ISSUER, url: jwtd.url, feed: FEED, logger: quietLogger() });
  good = (await login(jwtd.url, 'nina')).access_token;
  revoked = (await login(jwtd.url, 'oscar')).access_token;
  await logout(jwtd.url, revoked);
  await waitFor(async () => (await outcome(verifier, revoked)) === 'revoked', 2000, 'revoked');
});

after(async () => {
  await verifier?.close();
  await jwtd?.dispose();
});

const subOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).sub;

// [authorization header, status, WWW-Authenticate, error_description]
const cases = () => [
  [undefined, 401, 'Bearer', 'bearer token required'],
  ['Basic dXNlcjpwYXNz', 401, 'Bearer', 'bearer token required'],
  ['Bearer not.a.token', 401, 'Bearer error="invalid_token"', 'invalid token'],
  [`Bearer ${revoked}`, 401, 'Bearer error="invalid_token"', 'token revoked'],
];

function checkRefusal(status, headers, body, [, wantStatus, challenge, description]) {
  assert.equal(status, wantStatus);
  assert.equal(headers['www-authenticate'], challenge);
  assert.equal(headers['cache-control'], 'no-store');
  assert.equal(body.error_description, description);
}

test('Express: req.auth holds the claims; refusals carry the Bearer challenge', async () => {
  const app = express();
  app.get('/me', expressMiddleware(verifier), (req, res) => res.json({ sub: req.auth.sub }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const url = `http://127.0.0.1:${server.address().port}/me`;
    const ok = await fetch(url, { headers: { authorization: `Bearer ${good}` } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { sub: subOf(good) });
    for (const c of cases()) {
      const res = await fetch(url, { headers: c[0] ? { authorization: c[0] } : {} });
      checkRefusal(res.status, Object.fromEntries(res.headers), await res.json(), c);
    }
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('Express: an expired token says so (a verifier whose clock is an hour ahead)', async () => {
  const later = await createVerifier({ issuer: ISSUER, url: jwtd.url, feed: FEED, logger: quietLogger(),
    clock: { now: () => Date.now() + 3600_000, monotonic: () => performance.now() } });
  const app = express();
  app.get('/me', expressMiddleware(later), (req, res) => res.json({ sub: req.auth.sub }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const res = await fetch(`http://127.0.0.1:${server.address().port}/me`, { headers: { authorization: `Bearer ${good}` } });
    checkRefusal(res.status, Object.fromEntries(res.headers), await res.json(),
      [null, 401, 'Bearer error="invalid_token"', 'token expired']);
  } finally {
    await new Promise((r) => server.close(r));
    await later.close();
  }
});

test('Fastify plugin: every route of the instance; request.auth holds the claims', async () => {
  const app = Fastify();
  await app.register(fastifyVerifier, { verifier });
  app.get('/me', async (request) => ({ sub: request.auth.sub }));
  try {
    const ok = await app.inject({ url: '/me', headers: { authorization: `Bearer ${good}` } });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { sub: subOf(good) });
    for (const c of cases()) {
      const res = await app.inject({ url: '/me', headers: c[0] ? { authorization: c[0] } : {} });
      checkRefusal(res.statusCode, res.headers, res.json(), c);
    }
  } finally {
    await app.close();
  }
});

test('Fastify hook on one route: the others stay open', async () => {
  const app = Fastify();
  app.get('/open', async () => ({ open: true }));
  app.get('/me', { onRequest: fastifyHook(verifier) }, async (request) => ({ sub: request.auth.sub }));
  try {
    assert.equal((await app.inject({ url: '/open' })).statusCode, 200);
    assert.equal((await app.inject({ url: '/me' })).statusCode, 401);
    const ok = await app.inject({ url: '/me', headers: { authorization: `Bearer ${good}` } });
    assert.deepEqual(ok.json(), { sub: subOf(good) });
  } finally {
    await app.close();
  }
});
