// The pure parts: strict base64url, strict JSON, the SSE parser, the revocation view, the cache
// bound, the Authorization header.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeStrict } from '../src/base64url.js';
import { VerifiedCache } from '../src/cache.js';
import { bearerToken } from '../src/middleware/respond.js';
import { SseParser } from '../src/sse.js';
import { parseObject } from '../src/strict_json.js';
import { RevocationView } from '../src/view.js';

test('base64url: only the strict, canonical, unpadded form', () => {
  assert.deepEqual(decodeStrict('AQID'), Buffer.from([1, 2, 3]));
  assert.deepEqual(decodeStrict('-_8'), Buffer.from([0xfb, 0xff]));
  assert.deepEqual(decodeStrict(''), Buffer.alloc(0));
  for (const bad of ['AQID=', 'AQ==', 'A', 'AQI D', 'AQ+/', 'AR', 'AQJ', '\u00e9AAA']) {
    assert.equal(decodeStrict(bad), null, bad);
  }
  assert.deepEqual(decodeStrict('AQ'), Buffer.from([1]));  // AR would be 1 with spare bits set
});

test('strict JSON: duplicates at any depth refused, integers told apart, __proto__ is data', () => {
  const { value, integers } = parseObject('{"a":1,"b":1.0,"c":1e3,"d":-2,"e":{"x":[1,2]},"s":"\\u00e9"}');
  assert.deepEqual(value, { a: 1, b: 1, c: 1000, d: -2, e: { x: [1, 2] }, s: 'é' });
  assert.deepEqual([...integers].sort(), ['a', 'd']);
  for (const bad of ['{"a":1,"a":2}', '{"a":{"b":1,"b":2}}', '{"a":1,"\\u0061":2}', '[1]', '{"a":01}',
    '{"a":1,}', '{"a":1} x', '{"a":"\u0001"}', '{"a":tru}', '{"a" 1}', `${'{"a":'.repeat(70)}1${'}'.repeat(70)}`]) {
    assert.throws(() => parseObject(bad), SyntaxError, bad);
  }
  const { value: p } = parseObject('{"__proto__":{"polluted":true}}');
  assert.equal(Object.getPrototypeOf(p), Object.prototype);
  assert.equal({}.polluted, undefined);
  assert.deepEqual(Object.keys(p), ['__proto__']);
  // A nested object's last integer does not make its parent member an integer.
  assert.deepEqual([...parseObject('{"exp":{"a":1}}').integers], []);
});

test('strict JSON: an unpaired UTF-16 surrogate in any name or value refused, pairs kept', () => {
  // RFC 8259 §8.2, as jwtd (invalid UTF-8); JSON.parse would keep a lone code unit, which has
  // no UTF-8 form. Escaped, or left in the text itself (a caller's string, not a decoder's).
  for (const bad of ['{"jti":"\\ud800"}', '{"jti":"x\\udc00"}', '{"\\ud800":1}', '{"a":{"\\udbff":1}}',
    '{"a":["ok",["\\udfff"]]}', '{"a":"\\udc00\\ud800"}', '{"a":"\\ud800\\u0041"}', '{"a":"\\ud800\\\\udc00"}',
    '{"a":"\ud800"}', '{"a":"\udc00\ud800"}']) {
    assert.throws(() => parseObject(bad), SyntaxError, bad);
  }
  assert.deepEqual(parseObject('{"\\ud83d\\ude00":["\\uD83D\\uDE00","\ud83d\ude00"]}').value,
    { '\u{1F600}': ['\u{1F600}', '\u{1F600}'] });
  // An escaped backslash, then "ud800": no escape at all.
  assert.deepEqual(parseObject('{"a":"\\\\ud800"}').value, { a: '\\ud800' });
});

test('SSE: events across chunk boundaries, CR/LF/CRLF line ends, comments, bounded lines', () => {
  const events = [];
  const p = new SseParser((e) => events.push(e), 64);
  const text = 'id: 1\nevent: revocation\ndata: {"a":\ndata: 1}\n\n:comment\r\nid: 2\r\nevent: heartbeat\r\ndata:x\r\r\nevent: repage\ndata: y\n\n';
  for (const ch of text) p.push(ch);  // one character at a time: every boundary
  assert.deepEqual(events, [
    { type: 'revocation', data: '{"a":\n1}', id: '1' },
    { type: 'heartbeat', data: 'x', id: '2' },
    { type: 'repage', data: 'y', id: undefined },
  ]);
  assert.throws(() => p.push('data: '.padEnd(100, 'z')), /too long/);
  const q = new SseParser(() => {}, 64);
  assert.throws(() => { for (let i = 0; i < 20; i++) q.push('data: 0123456789\n'); }, /too long/);
});

test('view: kinds, expiry, the highest version, idempotence', () => {
  const v = new RevocationView();
  const claims = { jti: 'j1', sid: 's1', sub: '7', ver: 3 };
  assert.equal(v.check(claims, 'k1', 100), null);
  v.apply({ seq: 1, kind: 'user_version', key: '7', value: 3, expires_at: 200 });
  assert.equal(v.check(claims, 'k1', 100), null, 'equal version passes');
  v.apply({ seq: 2, kind: 'user_version', key: '7', value: 5, expires_at: 150 });
  v.apply({ seq: 3, kind: 'user_version', key: '7', value: 4, expires_at: 300 });  // lower: ignored
  assert.equal(v.check(claims, 'k1', 100), 'user_version');
  assert.equal(v.userVersion.get('7').min, 5);
  assert.equal(v.check(claims, 'k1', 201), null, 'past the newest bump\'s expiry');
  assert.equal(v.check({ ...claims, ver: undefined }, 'k1', 100), 'user_version');
  v.apply({ seq: 4, kind: 'session', key: 's1', value: 0, expires_at: 120 });
  v.apply({ seq: 4, kind: 'session', key: 's1', value: 0, expires_at: 110 });  // shorter: kept longer
  assert.equal(v.check({ ...claims, sub: '8' }, 'k1', 120), 'session');
  assert.equal(v.check({ ...claims, sub: '8' }, 'k1', 121), null);
  v.apply({ seq: 5, kind: 'jti', key: 'j1', value: 0, expires_at: 0 });  // never expires
  assert.equal(v.check(claims, 'k1', 1e9), 'jti');
  v.apply({ seq: 6, kind: 'key', key: 'k2', value: 0, expires_at: 500 });
  assert.equal(v.check({ sub: '9' }, 'k2', 100), 'key');
  v.apply({ seq: 7, kind: 'from_the_future', key: 'x', value: 0, expires_at: 500 });
  assert.equal(v.unknownKinds, 1);
  v.sweep(1000);
  assert.deepEqual(v.sizes(), { jti: 1, session: 0, user_version: 0, key: 0 });
});

test('cache: bounded, oldest out first', () => {
  const c = new VerifiedCache(3);
  for (const k of ['a', 'b', 'c', 'd']) c.set(k, k);
  assert.equal(c.size, 3);
  assert.equal(c.get('a'), undefined);
  assert.equal(c.get('d'), 'd');
  assert.notEqual(VerifiedCache.digest('x.y.z'), VerifiedCache.digest('x.y.Z'));
});

test('Authorization: Bearer, case-insensitive scheme, one b64token', () => {
  assert.equal(bearerToken('Bearer abc.def-_~+/='), 'abc.def-_~+/=');
  assert.equal(bearerToken('bearer abc'), 'abc');
  for (const bad of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', 'Bearer a,b']) {
    assert.equal(bearerToken(bad), null, String(bad));
  }
});
