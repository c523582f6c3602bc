// createVerifier() against a real jwtd: discovery, JWKS, paging and the stream; sign-in,
// logout, logout-all; how fast a logout reaches the verifier.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createVerifier, VerificationError } from '@jwtd/verifier';
import { FEED, ISSUER, login, logout, logoutAll, outcome, quietLogger, startJwtd } from './jwtd.mjs';

let jwtd;
let verifier;
const log = quietLogger();

before(async () => {
  jwtd = await startJwtd({ settings: [`tokens.issuer=${ISSUER}`] });
  verifier = await createVerifier({ issuer: ISSUER, url: jwtd.url, feed: FEED, logger: log });
});

after(async () => {
  await verifier?.close();
  await jwtd?.dispose();
});

test('a fresh sign-in verifies, with the claims jwtd issues', async () => {
  const { access_token: token } = await login(jwtd.url, 'alice');
  const claims = await verifier.verify(token);
  assert.equal(claims.iss, ISSUER);
  assert.equal(claims.aud, 'jwtd');
  assert.match(claims.sub, /^\d+$/);
  for (const name of ['sid', 'jti']) assert.equal(typeof claims[name], 'string');
  assert.equal(typeof claims.ver, 'number');
  // Cached claims are shared: a caller cannot change what the next caller sees.
  assert.ok(Object.isFrozen(claims));
  assert.equal(await verifier.verify(token), claims);
  const s = verifier.status();
  assert.equal(s.current, true);
  assert.ok(s.ageMs >= 0 && s.ageMs <= 1000, `age ${s.ageMs}`);
  assert.equal(s.connected, true);
  assert.equal(s.failOpen, false);
});

test('a token jwtd did not sign is invalid', async () => {
  const { access_token: token } = await login(jwtd.url, 'mallory');
  const [h, p] = token.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url')), sub: '999' })).toString('base64url')}.${token.split('.')[2]}`;
  await assert.rejects(verifier.verify(forged), (e) => e instanceof VerificationError && e.reason === 'invalid');
  await assert.rejects(verifier.verify('not a token'), { reason: 'invalid' });
});

test('logout: the same token is refused as revoked; latency over 50 logouts', async (t) => {
  const latencies = [];
  for (let i = 0; i < 50; i++) {
    const { access_token: token } = await login(jwtd.url, `logout-user-${i}`);
    assert.equal(await outcome(verifier, token), 'valid');
    await logout(jwtd.url, token);
    const t0 = performance.now();
    // Bounded: a logout that has not reached the verifier within 2 s fails the test.
    for (;;) {
      const o = await outcome(verifier, token);
      if (o === 'revoked') break;
      assert.equal(o, 'valid', `logout ${i}: ${o}`);
      assert.ok(performance.now() - t0 < 2000, `logout ${i} not seen within 2 s`);
      await new Promise((r) => setImmediate(r));
    }
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  t.diagnostic(`logout 2xx -> verify refuses: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms (n=${latencies.length})`);
  assert.ok(verifier.status().entries.session >= 50);
});

test('logout-all: every session of the user is refused through user_version', async () => {
  const a = await login(jwtd.url, 'bob');
  const b = await login(jwtd.url, 'bob');
  const other = await login(jwtd.url, 'carol');
  for (const t of [a, b, other]) assert.equal(await outcome(verifier, t.access_token), 'valid');
  const before = verifier.status().entries.user_version;
  await logoutAll(jwtd.url, a.access_token);
  for (const t of [a, b]) {
    const e = await waitForRefusal(t.access_token);
    assert.equal(e.reason, 'revoked');
    assert.match(e.detail, /user_version/);
  }
  assert.equal(verifier.status().entries.user_version, before + 1);
  // A new sign-in carries the new version and passes.
  const { access_token: fresh } = await login(jwtd.url, 'bob');
  assert.equal(await outcome(verifier, fresh), 'valid');
  assert.ok(JSON.parse(Buffer.from(fresh.split('.')[1], 'base64url')).ver >
    JSON.parse(Buffer.from(a.access_token.split('.')[1], 'base64url')).ver);
  assert.equal(await outcome(verifier, other.access_token), 'valid');
});

async function waitForRefusal(token) {
  const t0 = performance.now();
  for (;;) {
    try {
      await verifier.verify(token);
    } catch (e) {
      return e;
    }
    if (performance.now() - t0 > 2000) throw new Error('not refused within 2 s');
    await new Promise((r) => setTimeout(r, 2));
  }
}

test('no secret or token reaches the log', () => {
  for (const line of log.lines) {
    assert.ok(!line.includes(FEED.clientSecret), line);
    assert.ok(!/eyJ[A-Za-z0-9_-]{10,}/.test(line), line);
  }
});
