// The follower under failure, against real jwtd processes: SIGKILL and restart on the same data
// dir and port, a frozen and a dead jwtd (staleness, failing closed and, by option, open), a new
// database behind the same address (log reset), a cursor before the replay window (repage),
// and refused feed credentials.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import express from 'express';
import { createVerifier, expressMiddleware } from '@jwtd/verifier';
import { FeedFollower } from '../src/follower.js';
import { basicAuthorization } from '../src/http.js';
import { systemClock } from '../src/verifier.js';
import { FEED, ISSUER, login, logout, outcome, quietLogger, runJwtd, startJwtd, tempDataDir, waitFor } from './jwtd.mjs';

const cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const issuerSetting = `tokens.issuer=${ISSUER}`;

async function serve(opts = {}) {
  const jwtd = await startJwtd({ ...opts, settings: [issuerSetting, ...(opts.settings ?? [])] });
  cleanups.push(() => jwtd.dispose());
  return jwtd;
}

// The same port may take a moment to be free again after a SIGKILL.
async function serveAgain(opts) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await serve(opts);
    } catch (e) {
      if (attempt >= 20 || !/address|in use|bind/i.test(e.message)) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function follow(jwtd, options = {}) {
  const v = await createVerifier({ issuer: ISSUER, url: jwtd.url, feed: FEED, logger: quietLogger(), ...options });
  cleanups.push(() => v.close());
  return v;
}

test('SIGKILL and restart on the same data dir and port: the follower resumes and misses nothing', async () => {
  const dir = tempDataDir();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const first = await serve({ dir });
  const v = await follow(first);
  const beforeKill = await login(first.url, 'dave');
  const afterRestart = await login(first.url, 'erin');
  const whileDown = await login(first.url, 'olga');
  const untouched = await login(first.url, 'frank');
  for (const t of [beforeKill, afterRestart, whileDown, untouched]) assert.equal(await outcome(v, t.access_token), 'valid');
  const streams = v.status().counters.streams;

  // Committed (204), then killed at once: the follower may or may not have seen the entry.
  await logout(first.url, beforeKill.access_token);
  await first.stop('SIGKILL');
  // While jwtd is down an operator denies a token straight in the store (`jwtd revoke`).
  const { jti, exp } = JSON.parse(Buffer.from(whileDown.access_token.split('.')[1], 'base64url'));
  await runJwtd(['revoke', '--data-dir', dir, '--set', issuerSetting, '--jti', jti, '--exp', String(exp)]);

  const second = await serveAgain({ dir, port: first.port });
  await waitFor(() => v.status().current && v.status().counters.streams > streams, 5000, 'following again');
  assert.equal(await outcome(v, beforeKill.access_token), 'revoked');
  assert.equal(await outcome(v, whileDown.access_token), 'revoked');
  assert.equal(await outcome(v, untouched.access_token), 'valid');
  await logout(second.url, afterRestart.access_token);
  await waitFor(async () => (await outcome(v, afterRestart.access_token)) === 'revoked', 2000, 'revocation after restart');
  assert.equal(await outcome(v, untouched.access_token), 'valid');
  assert.equal(v.status().counters.resets, 0, 'the same log must not look like a new one');
});

test('a frozen, then dead jwtd: stale after the bound (fail closed); failOpen passes, visibly', async () => {
  const jwtd = await serve();
  const closed = await follow(jwtd);
  const openLog = quietLogger();
  const open = await follow(jwtd, { failOpen: true, logger: openLog });
  const { access_token: token } = await login(jwtd.url, 'grace');
  assert.equal(await outcome(closed, token), 'valid');
  assert.equal(await outcome(open, token), 'valid');
  assert.match(openLog.lines.join('\n'), /failOpen is set/);

  const app = express();
  app.get('/me', expressMiddleware(closed), (req, res) => res.json({ sub: req.auth.sub }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  const me = () => fetch(`http://127.0.0.1:${server.address().port}/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await me()).status, 200);

  // SIGSTOP: the connection stays open but no heartbeat comes; only the age can tell.
  process.kill(jwtd.pid, 'SIGSTOP');
  const t0 = performance.now();
  await waitFor(async () => (await outcome(closed, token)) === 'stale', 3000, 'stale');
  const staleAfter = performance.now() - t0;
  assert.ok(staleAfter >= 800 && staleAfter <= 1600, `stale after ${staleAfter} ms (bound 1000 ms)`);
  assert.equal(closed.status().current, false);
  const refused = await me();
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '1');
  // Its own proof came with its own copy of the last heartbeat, maybe a little later.
  await waitFor(() => !open.status().current, 1000, 'the fail-open verifier stale too');
  assert.equal(await outcome(open, token), 'valid');
  assert.equal(open.status().failingOpen, true);
  assert.match(openLog.lines.join('\n'), /failing OPEN/);

  process.kill(jwtd.pid, 'SIGCONT');
  await waitFor(async () => (await outcome(closed, token)) === 'valid', 3000, 'current again after SIGCONT');
  assert.equal(open.status().failingOpen, false);

  await jwtd.stop('SIGKILL');
  await waitFor(async () => (await outcome(closed, token)) === 'stale', 2000, 'stale after SIGKILL');
  await waitFor(() => closed.status().connected === false && closed.status().lastError !== null, 2000, 'disconnect noticed');
});

test('a new database behind the same address: the view is rebuilt from seq 0', async () => {
  const old = await serve();
  const v = await follow(old, { jwksCooldownMs: 50 });
  const tokens = [];
  for (const name of ['heidi', 'ivan', 'judy']) {
    const t = await login(old.url, name);
    await logout(old.url, t.access_token);
    tokens.push(t.access_token);
  }
  await waitFor(() => v.status().cursor >= 3, 2000, 'cursor at 3');
  await old.stop('SIGKILL');

  const fresh = await serveAgain({ port: old.port });
  await waitFor(() => v.status().counters.resets >= 1 && v.status().current, 5000, 'rebuilt');
  assert.equal(v.status().entries.session, 0, 'entries of the old log must be gone');
  // The new database signs with a new key: the unknown kid triggers a JWKS refetch.
  const t = await login(fresh.url, 'heidi');
  assert.equal(await outcome(v, t.access_token), 'valid');
  assert.equal(await outcome(v, tokens[0]), 'invalid', 'the old key left the JWKS');
  await logout(fresh.url, t.access_token);
  await waitFor(async () => (await outcome(v, t.access_token)) === 'revoked', 2000, 'revoked on the new log');
});

test('a cursor before the replay window gets repage; the follower pages and follows', async () => {
  const jwtd = await serve({ settings: ['feed.replay_entries=0'] });
  for (const name of ['ken', 'lea']) await logout(jwtd.url, (await login(jwtd.url, name)).access_token);
  const f = new FeedFollower({
    pageUrl: `${jwtd.url}/v1/revocations`, streamUrl: `${jwtd.url}/v1/revocations/stream`,
    authorization: basicAuthorization(FEED.clientId, FEED.clientSecret), heartbeatMs: 100,
    clock: systemClock, logger: quietLogger(),
  });
  cleanups.push(() => f.close());
  const out = await f.follow();  // from cursor 0, without paging first
  assert.equal(out.repageFrom, 0);
  assert.equal(f.status().counters.repages, 1);
  await f.start(5000);
  assert.ok(f.status().cursor >= 2);
  assert.equal(f.status().entries.session, 2);
  // Live entries still arrive with no replay window at all.
  const v = await follow(jwtd);
  const { access_token: token } = await login(jwtd.url, 'mike');
  assert.equal(await outcome(v, token), 'valid');
  await logout(jwtd.url, token);
  await waitFor(async () => (await outcome(v, token)) === 'revoked', 2000, 'revoked');
});

test('a heartbeat below the cursor proves nothing; the page decides whether the log is new', async () => {
  const jwtd = await serve();
  for (const name of ['nora', 'otto']) await logout(jwtd.url, (await login(jwtd.url, name)).access_token);
  const f = new FeedFollower({
    pageUrl: `${jwtd.url}/v1/revocations`, streamUrl: `${jwtd.url}/v1/revocations/stream`,
    authorization: basicAuthorization(FEED.clientId, FEED.clientSecret), heartbeatMs: 100,
    clock: systemClock, logger: quietLogger(),
  });
  cleanups.push(() => f.close());
  await f.catchUp(0);
  assert.equal(f.cursor, 2);
  assert.equal(await f.isNewLog(), false);
  // As if we had followed a longer log: the node's heartbeats are below our cursor.
  f.cursor = 1000;
  const proof = f.proof;
  assert.deepEqual(await f.follow(), { healthy: false, behind: true });
  assert.equal(f.proof, proof, 'a heartbeat below the cursor must not prove the view current');
  assert.equal(f.status().counters.resets, 0);
  assert.equal(await f.isNewLog(), true);  // the log itself says 2 < 1000: a new one
  assert.equal(f.status().counters.resets, 1);
  assert.equal(f.proof, null, 'nothing is current until rebuilt');
  await f.catchUp(0);
  assert.equal(f.cursor, 2);
  assert.equal(f.status().entries.session, 2);
});

test('wrong feed credentials: createVerifier rejects at once with the HTTP status', async () => {
  const jwtd = await serve();
  const t0 = performance.now();
  await assert.rejects(
    createVerifier({ issuer: ISSUER, url: jwtd.url, feed: { clientId: 'rs1', clientSecret: 'not-the-secret-at-all' }, logger: null }),
    (e) => e.status === 401 && /401/.test(e.message));
  assert.ok(performance.now() - t0 < 3000);
  await assert.rejects(createVerifier({ issuer: 'https://other.example', url: jwtd.url, feed: FEED, logger: null }),
    /issuer/);
});
