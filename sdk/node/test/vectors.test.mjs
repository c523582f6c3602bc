// The conformance vectors every verifier of jwtd's tokens must pass (tests/vectors/README.md),
// decided by the same Verifier that createVerifier() returns, with the vectors' keys, clock,
// feed entries and staleness injected. A case with a `request` is a request (Bearer or DPoP,
// with its proof) decided by verifyRequest(); one without is a bearer token decided by
// verify(). The `sequences` run their steps in order through one verifier (one replay cache).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { VerificationError } from '../src/errors.js';
import { KeyStore } from '../src/keys.js';
import { Verifier } from '../src/verifier.js';
import { RevocationView } from '../src/view.js';

const vectors = JSON.parse(readFileSync(new URL('../../../tests/vectors/access_check.json', import.meta.url)));

// clock: { now } in Unix seconds, changed by a sequence's steps.
async function verifierFor(c, clock = { now: c.now }) {
  const keys = new KeyStore({ monotonic: () => 0 });
  await keys.load(vectors.jwks);
  const view = new RevocationView();
  for (const e of c.feed) view.apply(e);
  const p = vectors.params;
  return new Verifier({
    settings: { issuer: p.issuer, audience: p.audience, typ: p.typ, leeway: p.leeway,
      maxLifetime: p.access_ttl, maxTokenBytes: p.max_token_bytes },
    keys,
    feed: { view, ageMs: () => (c.stale ? Infinity : 0) },
    clock: { now: () => clock.now * 1000, monotonic: () => 0 },
    dpop: { algs: p.dpop.algs, windowSeconds: p.dpop.window, skewSeconds: p.dpop.skew },
  });
}

// What the vectors' `expect` says: dpop_error is compared where the case states one.
function outcome(expect, run) {
  return run.then((claims) => (expect.jkt === undefined ? { valid: true } : { valid: true, jkt: claims.cnf?.jkt }),
    (e) => {
      assert.ok(e instanceof VerificationError, `not a VerificationError: ${e?.stack ?? e}`);
      return expect.dpop_error === undefined ? { valid: false, reason: e.reason }
        : { valid: false, reason: e.reason, dpop_error: e.errorCode };
    });
}

function decide(verifier, token, request, expect) {
  if (request === undefined) return outcome(expect, verifier.verify(token));
  const proof = request.proof;
  return outcome(expect, verifier.verifyRequest({ authorization: `${request.scheme} ${token}`,
    dpop: proof === null ? undefined : proof, method: request.method, url: request.uri }));
}

test('the vector file has cases and sequences', () => {
  assert.ok(vectors.cases.length >= 60, `only ${vectors.cases.length} cases`);
  assert.ok(vectors.sequences.length >= 4, `only ${vectors.sequences?.length} sequences`);
});

for (const c of vectors.cases) {
  test(`vector ${c.name}: ${c.why}`, async () => {
    const verifier = await verifierFor(c);
    assert.deepEqual(await decide(verifier, c.token, c.request, c.expect), c.expect);
    // The second time the token comes from the cache: the same decision. A proof cannot be
    // used twice, so a DPoP case is repeated on a fresh verifier (cold replay cache).
    const again = c.request?.proof ? await verifierFor(c) : verifier;
    if (c.request?.proof) await again.verifyToken(c.token).catch(() => {});  // warm the token cache
    assert.deepEqual(await decide(again, c.token, c.request, c.expect), c.expect, 'cached decision differs');
  });
}

for (const s of vectors.sequences) {
  test(`sequence ${s.name}: ${s.why}`, async () => {
    const clock = { now: s.steps[0].now };
    const verifier = await verifierFor(s, clock);
    for (const [i, step] of s.steps.entries()) {
      clock.now = step.now;
      assert.deepEqual(await decide(verifier, s.token, step.request, step.expect), step.expect, `step ${i}`);
    }
  });
}
