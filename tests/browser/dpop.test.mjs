// DPoP (RFC 9449) in the browser: the session client (sdk/browser/jwtd-session.js with
// `dpop: true`) and the logout lab (web/, `dpop: 'auto'`) in headless Chromium against real
// `jwtd serve` processes:
//  - server D: dpop.mode = optional; server N: the same with server nonces
//    (dpop.nonce_lifetime), so every first proof is answered with use_dpop_nonce; server O:
//    DPoP off, where the lab shows nothing of it and the client binds nothing.
//  - the client signs in with a proof: token_type DPoP, cnf.jkt the thumbprint of its key,
//    /v1/me through s.fetch 200 with `Authorization: DPoP` and a well-formed proof; the private
//    key in IndexedDB is not extractable; the copied token is refused as a bearer token;
//  - every tab of the profile and a reload sign with the same key (two tabs making it at once
//    too); refresh works from any tab, and the refresh cookie without a proof is refused without
//    spending it;
//  - the lab: "copy the token and replay it without the key" is 401 for the thief (as a bearer
//    token, and under DPoP with a proof by its own key) and 200 for this tab; without the DPoP
//    box the copy works, as a bearer token does;
//  - the lab on server R (dpop.mode = required; RN: with server nonces too), where a request
//    without a proof is refused: this tab's sign-in, /v1/me and sign-out, and the strategy
//    experiments, whose subject sessions then sign every login, refresh and resource call with
//    a key of their own, replay as the strategies predict. With DPoP optional the subjects stay
//    bearer sessions, as before.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, required, startJwtd } from './server.mjs';

const SHOTS = required('LAB_SCREENSHOT_DIR');
mkdirSync(SHOTS, { recursive: true });
const PASSWORD = 'correct horse battery';
let d;
let n;
let o;
let r;
let rn;
let browser;
let users = 0;

before(async () => {
  d = await startJwtd(['dpop.mode=optional', 'tokens.refresh_grace=0']);
  n = await startJwtd(['dpop.mode=optional', 'dpop.nonce_lifetime=60', 'tokens.refresh_grace=0']);
  o = await startJwtd([]);
  r = await startJwtd(['dpop.mode=required', 'tokens.refresh_grace=0']);
  rn = await startJwtd(['dpop.mode=required', 'dpop.nonce_lifetime=60', 'tokens.refresh_grace=0']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await Promise.all([d?.stop(), n?.stop(), o?.stop(), r?.stop(), rn?.stop()]);
});

async function newUser(server) {
  const username = `dpop${process.pid}x${Date.now() % 100000}x${++users}`;
  const res = await fetch(`${server.url}/v1/users`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(res.status, 201, 'registration');
  return username;
}

const decode = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
const claimsOf = (token) => decode(token.split('.')[1]);

async function metadata(server) {
  return (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json();
}

async function counters(server) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const value = (re) => Number(re.exec(text)?.[1] ?? NaN);
  return { ok: value(/^jwtd_refreshes_total\{result="ok"\} (\d+)/m), reuse: value(/^jwtd_refresh_reuse_detected_total (\d+)/m) };
}

// A tab of `context` with a session client of its own (window.s), on a page of the origin that
// has no client of its own (an unknown path: a 404 page of jwtd).
async function openTab(context, server, options = { dpop: true }) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/sdk-test-page`);
  await page.evaluate(async (opts) => {
    window.m = await import('/js/jwtd-session.js');
    window.s = window.m.createSession(opts);
  }, options);
  return { page, errors };
}

const login = (page, username) => page.evaluate(async ([u, p]) => {
  const r = await s.login(u, p);
  return { status: r.status, tokenType: r.data?.token_type ?? null, token: s.accessToken(), type: s.tokenType };
}, [username, PASSWORD]);

const me = (page) => page.evaluate(async () => {
  const res = await s.fetch('/v1/me');
  return { status: res.status, body: await res.json().catch(() => null) };
});

// The key pair as IndexedDB holds it, and what WebCrypto lets a script do with it.
const storedKey = (page) => page.evaluate(async () => {
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open('jwtd-session');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const pair = await new Promise((resolve, reject) => {
    const get = db.transaction('dpop-keys').objectStore('dpop-keys').get('jwtd-dpop');
    get.onsuccess = () => resolve(get.result);
    get.onerror = () => reject(get.error);
  });
  db.close();
  const refusal = (p) => p.then(() => 'exported', (e) => e.name);
  const k = pair.privateKey;
  return {
    type: k.type, extractable: k.extractable, alg: k.algorithm.name, crv: k.algorithm.namedCurve, usages: k.usages,
    pkcs8: await refusal(crypto.subtle.exportKey('pkcs8', k)),
    jwk: await refusal(crypto.subtle.exportKey('jwk', k)),
    publicJwk: await crypto.subtle.exportKey('jwk', pair.publicKey),
    thumbprint: await s.dpopThumbprint(),
  };
});

describe('browser session client with DPoP (server D: dpop.mode = optional)', () => {
  test('signs in with a proof: DPoP token bound to a non-extractable key, /v1/me 200, the copy refused', async () => {
    const context = await browser.newContext();
    const { page, errors } = await openTab(context, d);
    const proofs = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname === '/v1/me') proofs.push(req.headers());
    });
    const user = await newUser(d);
    const r = await login(page, user);
    assert.deepEqual([r.status, r.tokenType, r.type], [200, 'DPoP', 'DPoP'], 'a DPoP-bound session');
    const claims = claimsOf(r.token);
    const key = await storedKey(page);
    assert.equal(claims.cnf?.jkt, key.thumbprint, 'cnf.jkt is the thumbprint of the key in IndexedDB');
    assert.deepEqual([key.type, key.extractable, key.alg, key.crv, key.usages], ['private', false, 'ECDSA', 'P-256', ['sign']]);
    assert.equal(key.pkcs8, 'InvalidAccessError', 'exportKey(pkcs8) rejects');
    assert.equal(key.jwk, 'InvalidAccessError', 'exportKey(jwk) of the private key rejects');
    assert.equal(key.publicJwk.d, undefined);

    const mine = await me(page);
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    assert.equal(mine.body.username, user);
    // What went on the wire: `Authorization: DPoP` and a proof for this very request.
    const sent = proofs.at(-1);
    assert.equal(sent.authorization, `DPoP ${r.token}`);
    const [h, c] = sent.dpop.split('.').slice(0, 2).map(decode);
    const { issuer } = await metadata(d);
    assert.deepEqual([h.typ, h.alg, h.jwk.kty, h.jwk.crv, h.jwk.d], ['dpop+jwt', 'ES256', 'EC', 'P-256', undefined]);
    assert.equal(c.htm, 'GET');
    // jwtd names its endpoints by its issuer's origin (http://127.0.0.1:0 here: the issuer comes
    // from server.listen), never by the Host the browser used.
    assert.equal(c.htu, `${issuer.replace(/(:\/\/[^/]*).*$/, '$1')}/v1/me`, 'htu: the issuer origin + path');
    assert.ok(typeof c.jti === 'string' && c.jti.length >= 16 && Math.abs(c.iat - Date.now() / 1000) < 10);
    assert.equal(c.ath, Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(r.token))).toString('base64url'));

    // The token copied out of the browser: refused without the key, as Bearer and under DPoP.
    const asBearer = await fetch(`${d.url}/v1/me`, { headers: { Authorization: `Bearer ${r.token}` } });
    assert.equal(asBearer.status, 401);
    assert.equal((await asBearer.json()).error, 'invalid_token');
    const noProof = await fetch(`${d.url}/v1/me`, { headers: { Authorization: `DPoP ${r.token}` } });
    assert.equal(noProof.status, 401, 'DPoP without a proof');
    // A proof replayed (the one the browser sent): refused, its jti has been seen.
    const replayed = await fetch(`${d.url}/v1/me`, { headers: { Authorization: `DPoP ${r.token}`, DPoP: sent.dpop } });
    assert.equal(replayed.status, 401);
    assert.match(replayed.headers.get('www-authenticate') ?? '', /DPoP error="invalid_dpop_proof"/);
    assert.equal((await me(page)).status, 200, 'the owner still gets in');

    const storage = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length }));
    assert.deepEqual(storage, { local: 0, session: 0 }, 'nothing in Web Storage');
    // Logout with the bound token (a proof for POST /v1/logout): the session is over.
    assert.equal(await page.evaluate(() => s.logout().then((x) => x.status)), 204);
    assert.deepEqual((await context.cookies()).map((x) => x.name), [], 'both cookies cleared');
    const after0 = await fetch(`${d.url}/v1/me`, { headers: { Authorization: `Bearer ${r.token}` } });
    assert.equal(after0.status, 401);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('every tab and a reload sign with the same key; refresh works and needs the key', async () => {
    const context = await browser.newContext();
    const one = await openTab(context, d);
    const two = await openTab(context, d);
    const before0 = await counters(d);
    const r = await login(one.page, await newUser(d));
    assert.equal(r.tokenType, 'DPoP');
    const jkt = claimsOf(r.token).cnf.jkt;
    assert.equal(await two.page.evaluate(() => s.dpopThumbprint()), jkt, 'tab 2 holds the same key');
    // Tab 2 picks the session up, then refreshes it itself: a proof by the same key, from IndexedDB.
    assert.ok(await two.page.evaluate(() => s.resume().then((x) => x.ok)), 'resume');
    const refreshed = await two.page.evaluate(async () => {
      const x = await s.refresh();
      return { status: x.status, tokenType: x.data?.token_type, token: s.accessToken() };
    });
    assert.deepEqual([refreshed.status, refreshed.tokenType], [200, 'DPoP'], 'tab 2 refreshed');
    assert.notEqual(refreshed.token, r.token);
    assert.equal(claimsOf(refreshed.token).cnf.jkt, jkt, 'the new token is bound to the same key');
    assert.equal((await me(two.page)).status, 200);
    await one.page.waitForFunction((t) => s.accessToken() === t, refreshed.token, { timeout: 2000 });
    assert.equal((await me(one.page)).status, 200, 'tab 1 uses the token tab 2 refreshed');

    // The refresh cookie copied out of the browser and sent without a proof: refused, and
    // nothing spent (the browser's next refresh below works, no reuse detection). Sent from
    // here, not from the page: jwtd's refusal also clears the cookies of whoever sent it.
    const jar = await context.cookies();
    const bareRes = await fetch(`${d.url}/oauth/token`, {
      method: 'POST', body: 'grant_type=refresh_token',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: jar.map((x) => `${x.name}=${x.value}`).join('; '),
        'X-CSRF-Token': jar.find((x) => x.name === '__Host-jwtd_csrf').value,
      },
    });
    const bare = { status: bareRes.status, error: (await bareRes.json()).error };
    assert.deepEqual(bare, { status: 400, error: 'invalid_dpop_proof' });

    // A reload with no other tab open: the session comes back from the cookie, signed by the key.
    await two.page.close();
    await one.page.reload();
    await one.page.evaluate(async () => {
      window.m = await import('/js/jwtd-session.js');
      window.s = window.m.createSession({ dpop: true });
    });
    const resumed = await one.page.evaluate(async () => {
      const x = await s.resume();
      return { ok: x.ok, status: x.status, token: s.accessToken(), type: s.tokenType };
    });
    assert.deepEqual([resumed.ok, resumed.status, resumed.type], [true, 200, 'DPoP'], 'refreshed from the cookie after the reload');
    assert.equal(claimsOf(resumed.token).cnf.jkt, jkt, 'still the same key');
    assert.equal((await me(one.page)).status, 200);
    const d0 = await counters(d);
    assert.deepEqual([d0.ok - before0.ok, d0.reuse - before0.reuse], [2, 0], 'two rotations, no reuse detection');
    assert.deepEqual([...one.errors, ...two.errors], []);
    await context.close();
  });

  test('two tabs making the key at the same moment end up with one key', async () => {
    const context = await browser.newContext();
    const tabs = [await openTab(context, d), await openTab(context, d), await openTab(context, d)];
    const at = Date.now() + 300;
    const thumbprints = await Promise.all(tabs.map(({ page }) => page.evaluate(async (when) => {
      await new Promise((resolve) => setTimeout(resolve, when - Date.now()));
      return s.dpopThumbprint();
    }, at)));
    assert.equal(new Set(thumbprints).size, 1, `one key: ${thumbprints}`);
    const fresh = await browser.newContext();
    const other = await openTab(fresh, d);
    assert.notEqual(await other.page.evaluate(() => s.dpopThumbprint()), thumbprints[0], 'another profile, another key');
    await Promise.all([context.close(), fresh.close()]);
  });

  test('without the dpop option the client stays a bearer client, and stores no key', async () => {
    const context = await browser.newContext();
    const { page } = await openTab(context, d, {});
    const r = await login(page, await newUser(d));
    assert.deepEqual([r.status, r.tokenType, r.type], [200, 'Bearer', 'Bearer']);
    assert.equal(claimsOf(r.token).cnf, undefined);
    assert.equal((await me(page)).status, 200);
    assert.equal(await page.evaluate(() => s.dpopThumbprint()), null);
    const dbs = await page.evaluate(async () => (await indexedDB.databases()).map((x) => x.name));
    assert.ok(!dbs.includes('jwtd-session'), `no key database (${dbs})`);
    await context.close();
  });
});

describe('server nonces (server N: dpop.nonce_lifetime = 60)', () => {
  test('use_dpop_nonce is answered with the DPoP-Nonce, once; login, fetch, refresh and logout work', async () => {
    const context = await browser.newContext();
    const { page, errors } = await openTab(context, n);
    const challenges = [];
    page.on('response', async (res) => {
      if (!res.headers()['dpop-nonce'] || res.status() < 400) return;
      const body = await res.json().catch(() => ({}));
      if (body.error === 'use_dpop_nonce') challenges.push(new URL(res.url()).pathname);
    });
    const meta = await metadata(n);
    assert.equal(meta.dpop_nonce_required, true);
    const r = await login(page, await newUser(n));
    assert.deepEqual([r.status, r.tokenType], [200, 'DPoP'], 'login after the nonce challenge');
    assert.equal((await me(page)).status, 200);
    const x = await page.evaluate(() => s.refresh().then((y) => ({ status: y.status, tokenType: y.data?.token_type })));
    assert.deepEqual(x, { status: 200, tokenType: 'DPoP' });
    assert.equal((await me(page)).status, 200);
    assert.equal(await page.evaluate(() => s.logout().then((y) => y.status)), 204);
    assert.ok(challenges.length >= 1 && challenges[0] === '/v1/login', `challenged: ${challenges}`);
    assert.ok(challenges.length <= 2, `the nonce is kept between calls (challenged: ${challenges})`);
    assert.deepEqual(errors, []);
    await context.close();
  });
});

// ---- the logout lab ----------------------------------------------------------------------------

const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

async function openLab(server) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const tokens = [];
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/^Failed to load resource: .* status of 4\d\d/.test(msg.text())) errors.push(msg.text());
  });
  page.on('response', async (res) => {
    const { pathname } = new URL(res.url());
    if (!['/v1/login', '/oauth/token'].includes(pathname) || !res.ok()) return;
    const body = await res.json().catch(() => ({}));
    if (body.access_token) tokens.push(body.access_token);
  });
  const meta = page.waitForResponse((res) => res.url().endsWith('/.well-known/oauth-authorization-server'));
  await page.goto(`${server.url}/`);
  await page.waitForSelector('body[data-ready="true"]');
  await meta;
  await page.waitForFunction(() => !document.getElementById('tradeoff-rows').textContent.includes('(loading)'));
  return { context, page, tokens, errors };
}

async function labSignIn(page, username, { dpop = true } = {}) {
  await page.waitForSelector('#dpop-choice:not([hidden])');
  await page.setChecked('#use-dpop', dpop);
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await page.click('#register');
  await page.waitForSelector('#signed-in:not([hidden])');
}

async function replayCopy(page) {
  await page.click('#dpop-replay');
  await page.waitForSelector('#dpop-result[data-owner]', { timeout: 15000 });
  return page.$eval('#dpop-result', (el) => ({
    bound: el.dataset.bound, bearer: Number(el.dataset.bearer), foreign: Number(el.dataset.foreign),
    owner: Number(el.dataset.owner), text: el.textContent,
  }));
}

async function assertNoTokenInPage(tab) {
  assert.ok(tab.tokens.length > 0, 'the test saw the tokens the server issued');
  const html = await tab.page.content();
  for (const token of tab.tokens) assert.ok(!html.includes(token.split('.').at(-1)), 'no token signature in the DOM');
}

describe('the logout lab with DPoP', () => {
  for (const [label, server] of [['server D', () => d], ['server N, with nonces', () => n]]) {
    test(`a copied access token fails without the key: 401 for the thief, 200 for this tab (${label})`, async () => {
      const tab = await openLab(server());
      const { page } = tab;
      assert.ok(await page.isVisible('#dpop'), 'the DPoP section is shown');
      assert.ok(await page.isChecked('#use-dpop'), 'DPoP is the default');
      assert.match(await page.textContent('#dpop-config'), /DPoP optional, proofs signed with ES256 or EdDSA/);
      await labSignIn(page, newLabUser());
      assert.match(await page.textContent('#token-binding'), /this browser’s DPoP key \(jkt .{10}…\)/);
      assert.match(await page.textContent('#token-claims'), /"cnf": \{\s*"jkt"/);
      const own = await callMe(page);
      assert.equal(own, 200);
      const copy = await replayCopy(page);
      assert.deepEqual([copy.bound, copy.bearer, copy.foreign, copy.owner], ['true', 401, 401, 200], copy.text);
      assert.match(copy.text, /Thief: the copy as a bearer token → GET \/v1\/me\s*refused 401 Unauthorized — invalid_token/);
      assert.match(copy.text, /own key \(.{10}…\) → GET \/v1\/me\s*refused 401 Unauthorized — invalid_token/);
      assert.match(copy.text, /This tab: the same token, with a proof by its key → GET \/v1\/me\s*accepted 200 OK/);
      assert.match(copy.text, /The copy is useless without the key/);
      if (label === 'server D') {
        await shot(page, '08-dpop-copied-token');
        await page.locator('#dpop').screenshot({ path: path.join(SHOTS, 'dpop-copied-token.png') });
      }
      // A reload: the session resumes from the cookie with a proof by the same key.
      const jkt = await page.$eval('#token-claims', (el) => /"jkt": "([^"]+)"/.exec(el.textContent)[1]);
      await page.reload();
      await page.waitForSelector('#signed-in:not([hidden])');
      assert.match(await page.textContent('#account-status'), /Session resumed from the cookie/);
      assert.equal(await page.$eval('#token-claims', (el) => /"jkt": "([^"]+)"/.exec(el.textContent)[1]), jkt);
      assert.equal(await callMe(page), 200);
      // The count from where it is now (a resume may or may not have counted a refresh), and the
      // page's status when it does not move, so a failure says what the page saw.
      const before = Number(await page.textContent('#refresh-count'));
      await page.click('#refresh-now');
      await page.waitForFunction((n) => Number(document.getElementById('refresh-count').textContent) > n,
        before, { timeout: 30000 }).catch(async (e) => {
        throw new Error(`no refresh counted: ${await page.textContent('#account-status')} (${e.message})`);
      });
      assert.equal(await callMe(page), 200, 'after the refresh');
      await assertNoTokenInPage(tab);
      assert.deepEqual(tab.errors, []);
      await tab.context.close();
    });
  }

  test('signed in without DPoP the copy works, as a bearer token does (server D)', async () => {
    const tab = await openLab(d);
    const { page } = tab;
    await labSignIn(page, newLabUser(), { dpop: false });
    assert.match(await page.textContent('#token-binding'), /nothing: a bearer token/);
    const copy = await replayCopy(page);
    assert.deepEqual([copy.bound, copy.bearer, copy.foreign, copy.owner], ['false', 200, 401, 200], copy.text);
    assert.match(copy.text, /A bearer session: the copy works like the original/);
    // Refreshes of a bearer session carry a proof too (every refresh does): still bearer tokens.
    await page.click('#refresh-now');
    await page.waitForFunction(() => document.getElementById('refresh-count').textContent === '1');
    assert.match(await page.textContent('#token-binding'), /nothing: a bearer token/);
    assert.equal(await callMe(page), 200);
    assert.deepEqual(tab.errors, []);
    await tab.context.close();
  });

  test('with DPoP off (server O) the lab shows nothing of it', async () => {
    const tab = await openLab(o);
    const { page } = tab;
    assert.equal((await metadata(o)).dpop_signing_alg_values_supported, undefined);
    assert.ok(!(await page.isVisible('#dpop')) && !(await page.isVisible('#dpop-choice')), 'no DPoP section, no choice');
    assert.ok(!(await page.isVisible('#lab-dpop')), 'no DPoP line in the experiments');
    await page.fill('#username', newLabUser());
    await page.fill('#password', PASSWORD);
    await page.click('#register');
    await page.waitForSelector('#signed-in:not([hidden])');
    assert.ok(!(await page.isVisible('#token-binding')));
    assert.equal(await callMe(page), 200);
    assert.deepEqual(tab.errors, []);
    await tab.context.close();
  });
});

const newLabUser = () => `dlab${process.pid}x${Date.now() % 100000}x${++users}`;

async function callMe(page) {
  await page.evaluate(() => { delete document.getElementById('me-result').dataset.status; });
  await page.click('#call-me');
  await page.waitForSelector('#me-result[data-status]');
  return Number(await page.$eval('#me-result', (el) => el.dataset.status));
}

// ---- the logout lab where DPoP is required ----------------------------------------------------

async function runLabStrategy(page, kind) {
  const result = `#strategy-${kind} .result`;
  await page.click(`[data-run="${kind}"]`);
  await page.waitForSelector(`${result}[data-access][data-refresh]`, { timeout: 15000 }).catch(async (e) => {
    throw new Error(`${kind}: ${await page.textContent(result)} (${e.message})`);
  });
  return page.$eval(result, (el) => ({ access: el.dataset.access, refresh: el.dataset.refresh, text: el.textContent }));
}

// What the page sent to the endpoints that take a proof: the scheme and whether a DPoP header
// went with it, never the token.
const PROOF_PATHS = ['/v1/login', '/oauth/token', '/v1/me', '/v1/logout-all', '/v1/sessions'];
function recordProofs(page) {
  const sent = [];
  page.on('request', (req) => {
    const { pathname } = new URL(req.url());
    if (!PROOF_PATHS.includes(pathname)) return;
    const h = req.headers();
    sent.push({ path: pathname, scheme: h.authorization?.split(' ')[0] ?? null, proof: Boolean(h.dpop) });
  });
  return sent;
}

// GET /v1/me with `token` and a proof by this profile's key (the session client's, read from
// IndexedDB in the page: it cannot leave it), so a refusal is about the token, not the proof.
const meWithTabKey = (page, token, htu) => page.evaluate(async ([t, u]) => {
  const m = await import('/js/jwtd-session.js');
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open('jwtd-session');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const pair = await new Promise((resolve, reject) => {
    const get = db.transaction('dpop-keys').objectStore('dpop-keys').get('jwtd-dpop');
    get.onsuccess = () => resolve(get.result);
    get.onerror = () => reject(get.error);
  });
  db.close();
  const proof = await m.dpopProof(pair, { htm: 'GET', htu: u, accessToken: t });
  const res = await fetch('/v1/me', { headers: { Authorization: `DPoP ${t}`, DPoP: proof }, credentials: 'omit', cache: 'no-store' });
  const body = await res.json().catch(() => ({}));
  return { status: res.status, error: body.error ?? null, description: body.error_description ?? '' };
}, [token, htu]);

async function requiredLabSignIn(tab, username, register = true) {
  const { page } = tab;
  await page.waitForSelector('#lab-dpop:not([hidden])');
  assert.ok(await page.isChecked('#use-dpop') && await page.isDisabled('#use-dpop'), 'DPoP ticked, no choice');
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  // This tab's own access token, as the server issued it (after a nonce challenge, if any).
  const [issued] = await Promise.all([
    page.waitForResponse((res) => new URL(res.url()).pathname === '/v1/login' && res.ok(), { timeout: 15000 }),
    page.click(register ? '#register' : '#signin'),
  ]);
  await page.waitForSelector('#signed-in:not([hidden])');
  return (await issued.json()).access_token;
}

describe('the logout lab with dpop.mode = required', () => {
  test('sign-in, /v1/me, every strategy and sign-out work with proofs; no proof, no access (server R)', async () => {
    const meta = await metadata(r);
    assert.deepEqual([meta.dpop_mode, meta.dpop_nonce_required], ['required', false]);
    const htu = `${meta.issuer.replace(/(:\/\/[^/]*).*$/, '$1')}/v1/me`;
    const user = newLabUser();
    const tab = await openLab(r);
    const { page } = tab;
    const sent = recordProofs(page);
    await page.waitForSelector('#lab-dpop:not([hidden])');
    assert.match(await page.textContent('#dpop-config'), /DPoP required, proofs signed with ES256 or EdDSA, server nonces off/);
    assert.match(await page.textContent('#lab-dpop'), /DPoP required here: bearer tokens are refused/);
    assert.equal(await page.$eval('#lab-dpop', (el) => el.dataset.mode), 'required');

    // The core flow: sign in (bound to this browser's key), call /v1/me, sign out, refused.
    const own = await requiredLabSignIn(tab, user);
    assert.ok(claimsOf(own).cnf?.jkt, 'the session is bound');
    assert.match(await page.textContent('#token-binding'), /this browser’s DPoP key/);
    assert.equal(await callMe(page), 200);
    assert.deepEqual(await meWithTabKey(page, own, htu), { status: 200, error: null, description: '' }, 'the key signs');
    // Without a proof: refused, the token as a bearer token and a login alike.
    const asBearer = await fetch(`${r.url}/v1/me`, { headers: { Authorization: `Bearer ${own}` } });
    assert.deepEqual([asBearer.status, (await asBearer.json()).error], [401, 'invalid_token']);
    const bareLogin = await fetch(`${r.url}/v1/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: user, password: PASSWORD }),
    });
    assert.deepEqual([bareLogin.status, (await bareLogin.json()).error], [400, 'invalid_dpop_proof'], 'a login without a proof');

    // The experiments, each with a subject session bound to a key of its own.
    const soft = await runLabStrategy(page, 'soft');
    assert.deepEqual([soft.access, soft.refresh], ['accepted', 'accepted'], soft.text);
    assert.match(soft.text, /bound to a DPoP key of its own \(jkt .{10}…\)/);
    assert.match(soft.text, /a thief holding it and the key can use it for \d+:\d\d more/);
    const logout = await runLabStrategy(page, 'logout');
    assert.deepEqual([logout.access, logout.refresh], ['refused', 'refused'], logout.text);
    assert.match(logout.text, /401 Unauthorized — invalid_token: token revoked/);
    assert.match(logout.text, /400 Bad Request — invalid_grant/);
    const deny = await runLabStrategy(page, 'denylist');
    assert.deepEqual([deny.access, deny.refresh], ['refused', 'accepted'], deny.text);
    for (const x of [soft, logout, deny]) assert.match(x.text, /As this server’s settings predict/, x.text);
    await page.waitForFunction(() => document.querySelectorAll('#session-rows tr[data-session-id]').length === 3);
    await shot(page, '09-dpop-required-lab');

    await page.click('#signout');
    await page.waitForSelector('#signin-form:not([hidden])');
    const gone = await meWithTabKey(page, own, htu);
    assert.deepEqual([gone.status, gone.error], [401, 'invalid_token'], 'after sign-out, with a proof by the key');
    assert.match(gone.description, /revoked/);

    // Logout everywhere reaches this tab's session too.
    await requiredLabSignIn(tab, user, false);
    const all = await runLabStrategy(page, 'everywhere');
    assert.deepEqual([all.access, all.refresh], ['refused', 'refused'], all.text);
    assert.match(all.text, /As this server’s settings predict/);
    assert.match(all.text, /This tab’s own access token: refused too/);
    await page.waitForSelector('#signin-form:not([hidden])');

    // Every login, refresh and resource call went with a proof; tokens only under DPoP.
    for (const path of ['/v1/login', '/oauth/token', '/v1/me', '/v1/logout-all']) {
      assert.ok(sent.some((x) => x.path === path), `the page called ${path}`);
    }
    const bare = sent.filter((x) => !x.proof || (x.scheme !== null && x.scheme !== 'DPoP'));
    assert.deepEqual(bare, [], 'no request without a proof');
    await assertNoTokenInPage(tab);
    assert.deepEqual(tab.errors, []);
    await tab.context.close();
  });

  test('with server nonces the experiments answer use_dpop_nonce and replay as predicted (server RN)', async () => {
    const tab = await openLab(rn);
    const { page } = tab;
    const challenges = [];
    page.on('response', async (res) => {
      if (!res.headers()['dpop-nonce'] || res.status() < 400) return;
      const body = await res.json().catch(() => ({}));
      if (body.error === 'use_dpop_nonce') challenges.push(new URL(res.url()).pathname);
    });
    await page.waitForSelector('#lab-dpop:not([hidden])');
    assert.match(await page.textContent('#dpop-config'), /DPoP required, .*server nonces required/);
    await requiredLabSignIn(tab, newLabUser());
    assert.equal(await callMe(page), 200);
    const soft = await runLabStrategy(page, 'soft');
    assert.deepEqual([soft.access, soft.refresh], ['accepted', 'accepted'], soft.text);
    const logout = await runLabStrategy(page, 'logout');
    assert.deepEqual([logout.access, logout.refresh], ['refused', 'refused'], logout.text);
    assert.match(logout.text, /401 Unauthorized — invalid_token: token revoked/);
    // This tab's session client and the lab's subjects each met the nonce at their first login.
    assert.ok(challenges.filter((x) => x === '/v1/login').length >= 2, `challenged: ${challenges}`);
    assert.deepEqual(tab.errors, []);
    await tab.context.close();
  });

  test('with DPoP optional the subject sessions stay bearer sessions, as before (server D)', async () => {
    const tab = await openLab(d);
    const { page } = tab;
    await page.waitForSelector('#lab-dpop:not([hidden])');
    assert.match(await page.textContent('#lab-dpop'), /DPoP optional here: the subject sessions sign in without a proof/);
    await labSignIn(page, newLabUser());
    const sent = recordProofs(page);
    const soft = await runLabStrategy(page, 'soft');
    assert.deepEqual([soft.access, soft.refresh], ['accepted', 'accepted'], soft.text);
    assert.doesNotMatch(soft.text, /bound to a DPoP key/);
    const logout = await runLabStrategy(page, 'logout');
    assert.deepEqual([logout.access, logout.refresh], ['refused', 'refused'], logout.text);
    const subject = sent.filter((x) => ['/v1/login', '/v1/me', '/oauth/token'].includes(x.path));
    assert.ok(subject.length >= 6, `the subjects' calls: ${JSON.stringify(subject)}`);
    assert.ok(subject.every((x) => !x.proof && (x.path !== '/v1/me' || x.scheme === 'Bearer')), JSON.stringify(subject));
    assert.deepEqual(tab.errors, []);
    await tab.context.close();
  });
});
