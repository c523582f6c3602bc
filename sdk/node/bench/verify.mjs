// Micro-benchmark of verify(): a cached, still-valid token against jose.jwtVerify on the same
// token in the same run (the baseline), the uncached path, and the revocation check alone on a
// view of 400,000 entries. Prints the median of several runs of each and the ratios.
// Usage: node bench/verify.mjs [runs=7]
import { SignJWT, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { randomBytes } from 'node:crypto';
import { KeyStore } from '../src/keys.js';
import { Verifier } from '../src/verifier.js';
import { RevocationView } from '../src/view.js';

const RUNS = Number(process.argv[2] ?? 7);
const ISSUER = 'https://issuer.example';
const id = () => randomBytes(16).toString('base64url');

const { publicKey, privateKey } = await generateKeyPair('ES256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
const now = Math.floor(Date.now() / 1000);
const claims = { sub: '42', aud: 'jwtd', jti: id(), client_id: 'jwtd', sid: id(), ver: 1, nbf: now };
const token = await new SignJWT(claims)
  .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'bench' })
  .setIssuer(ISSUER).setIssuedAt(now).setExpirationTime(now + 900).sign(privateKey);

// A view as a busy deployment's: 100,000 entries of each kind, none about this token.
const view = new RevocationView();
let seq = 0;
for (let i = 0; i < 100000; i++) {
  for (const kind of ['jti', 'session', 'key']) view.apply({ seq: ++seq, kind, key: id(), value: 0, expires_at: now + 900 });
  view.apply({ seq: ++seq, kind: 'user_version', key: String(1000 + i), value: 2, expires_at: now + 900 });
}
// Freshness as the follower computes it: a proof renewed by a heartbeat every 100 ms.
let heartbeatAt = performance.now();
const heartbeats = setInterval(() => { heartbeatAt = performance.now(); }, 100);
const feed = { view, ageMs: () => 1 + (performance.now() - heartbeatAt) };

async function verifierWith(cacheEntries) {
  const keys = new KeyStore({ monotonic: () => performance.now() });
  await keys.load({ keys: [jwk] });
  return new Verifier({ settings: { issuer: ISSUER, audience: 'jwtd', typ: 'at+jwt', leeway: 30,
    maxLifetime: 900, maxTokenBytes: 8192 }, keys, feed, cacheEntries });
}
const cached = await verifierWith(10000);
const uncached = await verifierWith(0);
const joseOptions = { issuer: ISSUER, audience: 'jwtd', typ: 'at+jwt', algorithms: ['ES256'] };

// Operations per second of `op` (async), over `n` sequential calls.
async function opsPerSecond(op, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await op();
  return n / ((performance.now() - t0) / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { jose: [], cached: [], uncached: [], check: [] };
for (let run = 0; run < RUNS; run++) {
  // Interleaved, so drift (thermal, other load) hits every contender alike.
  results.jose.push(await opsPerSecond(() => jwtVerify(token, publicKey, joseOptions), 5000));
  results.cached.push(await opsPerSecond(() => cached.verify(token), 200000));
  results.uncached.push(await opsPerSecond(() => uncached.verify(token), 5000));
  const n = 2_000_000;
  const t0 = performance.now();
  let refused = 0;
  for (let i = 0; i < n; i++) if (view.check(claims, 'bench', now) !== null) refused++;
  if (refused !== 0) throw new Error('the benchmark token must pass');
  results.check.push(((performance.now() - t0) * 1e6) / n);
}
clearInterval(heartbeats);

const fmt = (x) => Math.round(x).toLocaleString('en-US');
const [jose, hit, miss, check] = [median(results.jose), median(results.cached), median(results.uncached), median(results.check)];
console.log(`node ${process.version}, ${RUNS} runs, medians; ES256 token of ${token.length} bytes`);
console.log(`jose.jwtVerify (baseline)          ${fmt(jose).padStart(10)} ops/s  ${(1e6 / jose).toFixed(2)} us/op`);
console.log(`verify(), cached token             ${fmt(hit).padStart(10)} ops/s  ${(1e6 / hit).toFixed(2)} us/op  ${(hit / jose).toFixed(1)}x jose`);
console.log(`verify(), no cache                 ${fmt(miss).padStart(10)} ops/s  ${(1e6 / miss).toFixed(2)} us/op  ${(miss / jose).toFixed(2)}x jose`);
console.log(`revocation check, 400k-entry view  ${check.toFixed(1).padStart(10)} ns/check`);
const ok = hit >= 2 * jose && check <= 1000;
console.log(ok ? 'targets met: cached >= 2x jose, check <= 1 us' : 'TARGETS MISSED');
process.exitCode = ok ? 0 : 1;
