// The logout lab (web/) in headless Chromium against real `jwtd serve` processes:
//  - server A: both strategies on (the default), 20 s access tokens without leeway, so the
//    silent refresh is observable within the test;
//  - server B: revocation.strategies = [] (purely stateless access tokens), other lifetimes, so
//    the page's predictions and its trade-off table must come from the server, not constants;
//  - server C: server.cookie_secure = never, so the cookies have the plain names (jwtd_refresh,
//    jwtd_csrf) instead of the __Host- ones, and the page must work with either.
// Chromium treats http://127.0.0.1 and http://localhost as secure contexts: it stores Secure and
// __Host- cookies from them and sends them back over plain HTTP, as it would over HTTPS.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, required, startJwtd } from './server.mjs';

const SHOTS = required('LAB_SCREENSHOT_DIR');
mkdirSync(SHOTS, { recursive: true });
const PASSWORD = 'correct horse battery';
let a;
let b;
let c;
let browser;
let users = 0;

before(async () => {
  a = await startJwtd(['tokens.access_ttl=20', 'tokens.leeway=0']);
  // An empty list on the command line is revocation.strategies = [] in TOML.
  b = await startJwtd(['revocation.strategies=', 'tokens.access_ttl=90', 'tokens.leeway=5']);
  c = await startJwtd(['server.cookie_secure=never']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
});

const newUser = () => `lab${process.pid}x${Date.now() % 100000}x${++users}`;

// A fresh browser profile (its own cookie jar) on `server`, recording every access token the
// server hands it, so the test can check that none of them reaches the DOM.
async function open(server, url = server.url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const tokens = [];
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The lab provokes 4xx answers on purpose; Chromium logs each one. Anything else is a bug.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource: .* status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  page.on('response', async (res) => {
    const url = new URL(res.url());
    if (!['/v1/login', '/oauth/token'].includes(url.pathname) || !res.ok()) return;
    try {
      const body = await res.json();
      if (body.access_token) tokens.push(body.access_token);
      if (body.refresh_token) tokens.push(body.refresh_token);
    } catch { /* a body that is not JSON has no token */ }
  });
  await page.goto(url + '/');
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForFunction(() => !document.getElementById('tradeoff-rows').textContent.includes('(loading)'));
  return { context, page, tokens, errors };
}

async function signIn(page, username, { register = false } = {}) {
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await page.click(register ? '#register' : '#signin');
  await page.waitForSelector('#signed-in:not([hidden])');
  assert.equal(await page.inputValue('#password'), '', 'the password field is cleared');
}

async function runStrategy(page, kind) {
  const result = `#strategy-${kind} .result`;
  await page.click(`[data-run="${kind}"]`);
  await page.waitForSelector(`${result}[data-access][data-refresh]`, { timeout: 15000 });
  return page.$eval(result, (el) => ({
    access: el.dataset.access, refresh: el.dataset.refresh, text: el.textContent,
  }));
}

async function callMe(page) {
  await page.evaluate(() => { delete document.getElementById('me-result').dataset.status; });
  await page.click('#call-me');
  await page.waitForSelector('#me-result[data-status]');
  return page.$eval('#me-result', (el) => ({ status: Number(el.dataset.status), text: el.textContent }));
}

async function assertNoSecrets(tab) {
  const { page, tokens } = tab;
  const storage = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length }));
  assert.deepEqual(storage, { local: 0, session: 0 }, 'nothing in Web Storage');
  assert.ok(tokens.length > 0, 'the test saw the tokens the server issued');
  const html = await page.content();
  const text = await page.evaluate(() => document.body.innerText);
  for (const token of tokens) {
    const signature = token.split('.').at(-1);
    assert.ok(!html.includes(token) && !text.includes(token), 'no full token in the DOM');
    assert.ok(!html.includes(signature), 'no token signature in the DOM');
  }
  assert.ok(!page.url().includes('eyJ'), 'no token in the URL');
  const cookies = await page.evaluate(() => document.cookie);
  assert.ok(!cookies.includes('jwtd_refresh'), 'the refresh cookie is invisible to scripts');
}

const HOST_NAMES = { refresh: '__Host-jwtd_refresh', csrf: '__Host-jwtd_csrf' };
const PLAIN_NAMES = { refresh: 'jwtd_refresh', csrf: 'jwtd_csrf' };

// A cookie POST /oauth/token from the page's own script with the given X-CSRF-Token: its status.
const pageRefresh = (page, csrf) => page.evaluate(async (header) => (await fetch('/oauth/token', {
  method: 'POST', credentials: 'same-origin', cache: 'no-store',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': header },
  body: 'grant_type=refresh_token',
})).status, csrf);

// Cookie mode end to end under one naming scheme: the cookies the browser keeps, a planted CSRF
// pair refused, the page's own refresh, a reload that resumes the session, and sign-out.
async function cookieRoundTrip(server, url, names, secure) {
  const tab = await open(server, url);
  const { page, context } = tab;
  await signIn(page, newUser(), { register: true });
  const jar = await context.cookies();
  const other = secure ? PLAIN_NAMES : HOST_NAMES;
  assert.deepEqual(jar.map((x) => x.name).sort(), [names.csrf, names.refresh].sort(), 'both cookies, these names only');
  const refresh = jar.find((x) => x.name === names.refresh);
  const csrf = jar.find((x) => x.name === names.csrf);
  assert.ok(refresh.httpOnly && refresh.secure === secure && refresh.sameSite === 'Strict' && refresh.path === '/');
  assert.ok(!csrf.httpOnly && csrf.secure === secure && csrf.sameSite === 'Strict' && csrf.path === '/');
  assert.notEqual(csrf.value, refresh.value);
  assert.ok((await page.evaluate(() => document.cookie)).includes(`${names.csrf}=${csrf.value}`), 'the page reads the CSRF cookie');

  // A planted pair: a CSRF cookie of the attacker's choosing under the plain name (a sibling
  // sub-domain or a plain-HTTP page can set that one), and the same value in the header.
  await page.evaluate(() => { document.cookie = 'jwtd_csrf=planted-by-a-neighbour; Path=/'; });
  assert.equal(await pageRefresh(page, 'planted-by-a-neighbour'), 403, 'a planted CSRF pair is refused');
  if (!secure) {
    // It overwrote the page's own plain-named cookie: put the real one back.
    await page.evaluate((v) => { document.cookie = `jwtd_csrf=${v}; Path=/; SameSite=Strict`; }, csrf.value);
  }
  // The page's own refresh still works (with the __Host- names it prefers the __Host- cookie).
  await page.click('#refresh-now');
  await page.waitForFunction(() => document.getElementById('refresh-count').textContent === '1');
  const rotated = await context.cookies();
  assert.notEqual(rotated.find((x) => x.name === names.csrf).value, csrf.value, 'a new CSRF token with the new refresh token');
  assert.equal(rotated.find((x) => x.name === other.refresh), undefined);

  await page.reload();
  await page.waitForSelector('#signed-in:not([hidden])');
  assert.match(await page.textContent('#account-status'), /Session resumed from the cookie/);
  assert.equal((await callMe(page)).status, 200);
  await page.click('#signout');
  await page.waitForSelector('#signin-form:not([hidden])');
  const left = (await context.cookies()).map((x) => x.name);
  assert.ok(!left.includes(names.refresh) && !left.includes(names.csrf), `sign-out clears both cookies (left: ${left})`);
  await assertNoSecrets(tab);
  assert.deepEqual(tab.errors, []);
  await context.close();
}

const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

describe('logout lab, both strategies on (server A)', () => {
  test('sign in in cookie mode, call /v1/me, decoded token, nothing secret exposed', async () => {
    const tab = await open(a);
    const { page, context } = tab;
    await signIn(page, newUser(), { register: true });
    const me = await callMe(page);
    assert.equal(me.status, 200, me.text);
    assert.match(await page.textContent('#token-header'), /"typ": "at\+jwt"/);
    const claims = await page.textContent('#token-claims');
    for (const claim of ['sub', 'sid', 'jti', 'ver', 'exp']) assert.match(claims, new RegExp(`"${claim}"`));
    assert.match(await page.textContent('#token'), /decoded, not verified/);
    assert.match(await page.textContent('#token-preview'), /^eyJ.{7}… \(\d+ characters, held in memory only\)$/);
    const jar = await context.cookies();
    const refresh = jar.find((c) => c.name === '__Host-jwtd_refresh');
    assert.ok(refresh && refresh.httpOnly && refresh.secure && refresh.sameSite === 'Strict', 'HttpOnly Secure Strict refresh cookie');
    await assertNoSecrets(tab);
    assert.deepEqual(tab.errors, []);
    await shot(page, '01-signed-in');
    await context.close();
  });

  test('every strategy replays as stated; the trade-off table reflects the server', async () => {
    const tab = await open(a);
    const { page } = tab;
    await signIn(page, newUser(), { register: true });
    const soft = await runStrategy(page, 'soft');
    assert.deepEqual([soft.access, soft.refresh], ['accepted', 'accepted'], soft.text);
    assert.match(soft.text, /can use it for \d+:\d\d more/);
    const logout = await runStrategy(page, 'logout');
    assert.deepEqual([logout.access, logout.refresh], ['refused', 'refused'], logout.text);
    assert.match(logout.text, /401 Unauthorized — invalid_token: token revoked/);
    assert.match(logout.text, /400 Bad Request — invalid_grant/);
    const deny = await runStrategy(page, 'denylist');
    assert.deepEqual([deny.access, deny.refresh], ['refused', 'accepted'], deny.text);
    for (const r of [soft, logout, deny]) assert.match(r.text, /As this server’s settings predict/);
    // Two subject sessions survive (soft logout, denylist), plus this tab's own.
    await page.waitForFunction(() => document.querySelectorAll('#session-rows tr[data-session-id]').length === 3);
    const table = await page.textContent('#tradeoff-table');
    assert.match(table, /Denylist \(jti \/ sid\)on/);
    assert.match(table, /access token usable up to 20 s/);
    await page.waitForFunction(() => /: 1 revoked token now, [1-9]\d* ended sessions? now/
      .test(document.getElementById('tradeoff-table').textContent));
    assert.match(await page.textContent('#measured'), /GET \/v1\/me on this server.*mean .* over \d+ requests/);
    await assertNoSecrets(tab);
    await shot(page, '02-strategies-replayed');
    await page.locator('#lab').screenshot({ path: path.join(SHOTS, 'lab-after-replay.png') });
    assert.deepEqual(tab.errors, []);
    await tab.context.close();
  });

  test('logout everywhere reaches a second browser signed in as the same user', async () => {
    const user = newUser();
    const one = await open(a);
    const two = await open(a);
    await signIn(one.page, user, { register: true });
    await signIn(two.page, user);
    assert.equal((await callMe(two.page)).status, 200);
    const all = await runStrategy(one.page, 'everywhere');
    assert.deepEqual([all.access, all.refresh], ['refused', 'refused'], all.text);
    assert.match(all.text, /This tab’s own access token: refused too/);
    await one.page.waitForSelector('#signin-form:not([hidden])');
    await shot(one.page, '03-logout-everywhere-first');
    const me = await callMe(two.page);
    assert.equal(me.status, 401, me.text);
    assert.match(me.text, /token revoked/);
    await two.page.waitForSelector('#signin-form:not([hidden])');
    assert.match(await two.page.textContent('#account-status'), /refused this tab's access token/);
    // Its cookie is dead too: a reload finds no session to resume.
    await two.page.reload();
    await two.page.waitForSelector('body[data-ready="true"]');
    await two.page.waitForFunction(() => document.getElementById('account-status').textContent !== '');
    assert.ok(await two.page.isVisible('#signin-form'));
    await shot(two.page, '04-logout-everywhere-second');
    await Promise.all([one.context.close(), two.context.close()]);
  });

  test('session list and signing out another device', async () => {
    const user = newUser();
    const laptop = await open(a);
    const phone = await open(a);
    await signIn(laptop.page, user, { register: true });
    await signIn(phone.page, user);
    await laptop.page.click('#list-sessions');
    await laptop.page.waitForFunction(() => document.querySelectorAll('#session-rows tr[data-session-id]').length === 2);
    assert.equal(await laptop.page.locator('#session-rows tr.current').count(), 1);
    await shot(laptop.page, '05-sessions');
    await laptop.page.click('#session-rows tr:not(.current) button');
    await laptop.page.waitForFunction(() => document.querySelectorAll('#session-rows tr[data-session-id]').length === 1);
    assert.match(await laptop.page.textContent('#sessions-status'), /its refresh token is revoked/);
    // The phone's refresh cookie is revoked, and with the denylist its access token too.
    await phone.page.click('#refresh-now');
    await phone.page.waitForSelector('#signin-form:not([hidden])');
    assert.match(await phone.page.textContent('#account-status'), /Refresh refused \(400 Bad Request — invalid_grant/);
    assert.equal((await callMe(laptop.page)).status, 200, 'the laptop is still signed in');
    await Promise.all([laptop.context.close(), phone.context.close()]);
  });

  test('silent refresh replaces the access token before it expires', async () => {
    const tab = await open(a);
    const { page } = tab;
    await signIn(page, newUser(), { register: true });
    const first = tab.tokens.find((t) => t.startsWith('eyJ'));
    const jti = () => page.$eval('#token-claims', (el) => /"jti": "([^"]+)"/.exec(el.textContent)[1]);
    const firstJti = await jti();
    const signedInAt = Date.now();
    // 80% of the 20 s lifetime, with no user action.
    const rotated = await page.waitForResponse((r) => r.url().endsWith('/oauth/token'), { timeout: 25000 });
    assert.equal(rotated.status(), 200);
    const elapsed = (Date.now() - signedInAt) / 1000;
    assert.ok(elapsed > 12 && elapsed < 19, `refreshed after ${elapsed} s`);
    await page.waitForFunction(() => document.getElementById('refresh-count').textContent === '1');
    assert.notEqual(await jti(), firstJti, 'a new access token');
    // Past the first token's exp (leeway 0): it is refused, the page's calls still work.
    await new Promise((r) => setTimeout(r, Math.max(0, signedInAt + 21000 - Date.now())));
    const old = await fetch(`${a.url}/v1/me`, { headers: { Authorization: `Bearer ${first}` } });
    assert.equal(old.status, 401);
    assert.match((await old.json()).error_description, /expired/);
    const me = await callMe(page);
    assert.equal(me.status, 200, me.text);
    await assertNoSecrets(tab);
    await shot(page, '06-after-silent-refresh');
    assert.deepEqual(tab.errors, []);
    await tab.context.close();
  });
});

describe('cookie names and the bound CSRF token', () => {
  test('__Host- cookies over http://127.0.0.1 (server A)', () => cookieRoundTrip(a, a.url, HOST_NAMES, true));
  test('__Host- cookies over http://localhost (server A)',
    () => cookieRoundTrip(a, a.url.replace('127.0.0.1', 'localhost'), HOST_NAMES, true));
  test('plain names with server.cookie_secure = never (server C)', () => cookieRoundTrip(c, c.url, PLAIN_NAMES, false));
});

describe('logout lab, revocation.strategies=[] (server B)', () => {
  test('logout leaves the access token working until exp; revoke cannot deny it', async () => {
    const tab = await open(b);
    const { page } = tab;
    await signIn(page, newUser(), { register: true });
    assert.match(await page.textContent('#strategy-logout .expect'), /denylist is off here/);
    const logout = await runStrategy(page, 'logout');
    assert.deepEqual([logout.access, logout.refresh], ['accepted', 'refused'], logout.text);
    assert.match(logout.text, /can use it for 1:3\d more \(exp \+ 5 s leeway\)/);
    const deny = await runStrategy(page, 'denylist');
    assert.deepEqual([deny.access, deny.refresh], ['accepted', 'accepted'], deny.text);
    const table = await page.textContent('#tradeoff-table');
    assert.match(table, /Denylist \(jti \/ sid\)off/);
    assert.match(table, /access token usable up to 95 s/);
    assert.match(table, /access token: up to 95 s/);
    await shot(page, '07-stateless-server');
    assert.deepEqual(tab.errors, []);
    await tab.context.close();
  });

  test('logout everywhere without version or denylist: the old access token lives on', async () => {
    const tab = await open(b);
    await signIn(tab.page, newUser(), { register: true });
    const all = await runStrategy(tab.page, 'everywhere');
    assert.deepEqual([all.access, all.refresh], ['accepted', 'refused'], all.text);
    await tab.context.close();
  });
});
