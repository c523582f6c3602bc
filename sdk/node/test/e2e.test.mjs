// End to end: an Express resource server (expressMiddleware) in front of a real jwtd. A logout on
// jwtd must make the old access token fail at the resource server, quickly, and keep doing so
// across a SIGKILL and restart of jwtd on the same data dir and port (the follower resumes).
// Every request is real HTTP over loopback on keep-alive connections.
import assert from 'node:assert/strict';
import http from 'node:http';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import express from 'express';
import { createVerifier, expressMiddleware } from '@jwtd/verifier';
import { FEED, ISSUER, login, quietLogger, startJwtd, tempDataDir, waitFor } from './jwtd.mjs';

const SESSIONS = 30;  // per phase
const POLL_LIMIT_MS = 2000;  // a logout not refused by then fails the test
// The issue's target is p99 <= 50 ms. A shared 2-core CI machine can stall a process for longer
// than that now and then, so the assertion is a generous bound; the measured figures are printed.
const P99_BOUND_MS = 500;

const cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

// One HTTP exchange through `agent`; `at` is when the response head arrived.
function request(agent, port, method, path, { token, body } = {}) {
  return new Promise((resolve, reject) => {
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const req = http.request({ agent, host: '127.0.0.1', port, method, path, headers, timeout: 10000 }, (res) => {
      const at = performance.now();
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, json: text ? JSON.parse(text) : null, at }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const keepAlive = () => new http.Agent({ keepAlive: true, maxSockets: 1 });

function assertRevokedRefusal(res, what) {
  assert.equal(res.status, 401, `${what}: status ${res.status}`);
  assert.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token"', what);
  assert.equal(res.json?.error_description, 'token revoked', what);
}

// The same port may take a moment to be free again after a SIGKILL.
async function startAgain(dir, port) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startJwtd({ dir, port, settings: [`tokens.issuer=${ISSUER}`] });
    } catch (e) {
      if (attempt >= 20 || !/address|in use|bind/i.test(e.message)) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// SESSIONS sign-ins, each: 200 through Express, logout on jwtd (204), then GET through Express
// with no pause until the 401. Returns the tokens and the 204 -> 401 latencies in ms.
async function phase(jwtdPort, jwtdUrl, me, user) {
  const jwtdAgent = keepAlive();
  const tokens = [];
  const latencies = [];
  try {
    for (let i = 0; i < SESSIONS; i++) {
      const { access_token: token } = await login(jwtdUrl, user);
      tokens.push(token);
      assert.equal((await me(token)).status, 200, `${user} session ${i}: first request`);
      const out = await request(jwtdAgent, jwtdPort, 'POST', '/v1/logout', { token });
      assert.equal(out.status, 204, `${user} session ${i}: logout`);
      for (;;) {
        const res = await me(token);
        if (res.status === 401) {
          latencies.push(res.at - out.at);
          assertRevokedRefusal(res, `${user} session ${i}`);
          break;
        }
        // Only "still valid" may come before the refusal: a 503 would mean the view went stale.
        assert.equal(res.status, 200, `${user} session ${i}: ${res.status} ${JSON.stringify(res.json)}`);
        assert.ok(res.at - out.at < POLL_LIMIT_MS, `${user} session ${i}: not refused within ${POLL_LIMIT_MS} ms`);
      }
    }
  } finally {
    jwtdAgent.destroy();
  }
  return { tokens, latencies };
}

function figures(latencies) {
  const s = [...latencies].sort((a, b) => a - b);
  // Nearest rank: with 30 samples p99 is the largest.
  const rank = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { p50: rank(0.5), p99: rank(0.99), max: s[s.length - 1] };
}

const show = ({ p50, p99, max }) => `p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${max.toFixed(2)} ms`;

test('Express behind jwtd: logout refuses the old token, before and after a SIGKILL and restart', async () => {
  const dir = tempDataDir();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const first = await startJwtd({ dir, settings: [`tokens.issuer=${ISSUER}`] });
  cleanups.push(() => first.dispose());
  const verifier = await createVerifier({ issuer: ISSUER, url: first.url, feed: FEED, logger: quietLogger() });
  cleanups.push(() => verifier.close());

  const app = express();
  app.get('/me', expressMiddleware(verifier), (req, res) => res.json({ sub: req.auth.sub }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const appAgent = keepAlive();
  cleanups.push(() => new Promise((r) => {
    appAgent.destroy();
    server.close(r);
  }));
  const me = (token) => request(appAgent, server.address().port, 'GET', '/me', { token });

  const one = await phase(first.port, first.url, me, 'e2e-before');

  // Logged out and killed at once: the follower may not have the entry when jwtd dies.
  const { access_token: lastWord } = await login(first.url, 'e2e-last-word');
  assert.equal((await me(lastWord)).status, 200);
  const killAgent = keepAlive();
  assert.equal((await request(killAgent, first.port, 'POST', '/v1/logout', { token: lastWord })).status, 204);
  killAgent.destroy();
  const streams = verifier.status().counters.streams;
  await first.stop('SIGKILL');

  const second = await startAgain(dir, first.port);
  cleanups.push(() => second.dispose());
  await waitFor(() => verifier.status().current && verifier.status().counters.streams > streams, 5000,
    'the verifier following the restarted jwtd');
  assertRevokedRefusal(await me(lastWord), 'logged out right before the SIGKILL');
  for (const [i, token] of one.tokens.entries()) assertRevokedRefusal(await me(token), `before the restart, session ${i}`);

  const two = await phase(second.port, second.url, me, 'e2e-after');
  for (const [i, token] of [...one.tokens, ...two.tokens].entries()) assertRevokedRefusal(await me(token), `token ${i} at the end`);
  assert.equal(verifier.status().counters.resets, 0, 'the same log must not look like a new one');

  const before = figures(one.latencies);
  const afterRestart = figures(two.latencies);
  console.log(`express e2e, logout 204 -> 401 at the resource server (n=${SESSIONS} each): ` +
    `before the SIGKILL ${show(before)}; after the restart ${show(afterRestart)}`);
  for (const f of [before, afterRestart]) assert.ok(f.p99 <= P99_BOUND_MS, `p99 ${f.p99.toFixed(2)} ms > ${P99_BOUND_MS} ms`);
});
