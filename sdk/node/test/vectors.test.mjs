// The conformance vectors every verifier of jwtd's tokens must pass (tests/vectors/README.md),
// decided by the same Verifier that createVerifier() returns, with the vectors' keys, clock,
// feed entries and staleness injected.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { VerificationError } from '../src/errors.js';
import { KeyStore } from '../src/keys.js';
import { Verifier } from '../src/verifier.js';
import { RevocationView } from '../src/view.js';

const vectors = JSON.parse(readFileSync(new URL('../../../tests/vectors/access_check.json', import.meta.url)));

async function verifierFor(c) {
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
    clock: { now: () => c.now * 1000, monotonic: () => 0 },
  });
}

async function decide(verifier, token) {
  try {
    await verifier.verify(token);
    return { valid: true };
  } catch (e) {
    assert.ok(e instanceof VerificationError, `not a VerificationError: ${e?.stack ?? e}`);
    return { valid: false, reason: e.reason };
  }
}

test('the vector file has cases', () => {
  assert.ok(vectors.cases.length >= 30, `only ${vectors.cases.length} cases`);
});

for (const c of vectors.cases) {
  test(`vector ${c.name}: ${c.why}`, async () => {
    const verifier = await verifierFor(c);
    assert.deepEqual(await decide(verifier, c.token), c.expect);
    // The second time the token comes from the cache: the same decision.
    assert.deepEqual(await decide(verifier, c.token), c.expect, 'cached decision differs');
  });
}
