// The browser session client (sdk/browser/jwtd-session.js) with four tabs of one browser profile
// (pages of one context: one cookie jar, one origin) against real `jwtd serve` processes:
//  - a burst of refreshes across the tabs ends with zero reuse detections and every tab signed
//    in, with Web Locks and with the BroadcastChannel lease; without coordination the same
//    burst does trip reuse detection (so the check can fail);
//  - a logout in tab 1 signs out tabs 2-4 within 1 s (the logout lab itself);
//  - a refresh answer that arrives after a sign-out does not revive the session;
//  - a tab frozen inside the lock holds the others up for no longer than the lock timeout.
// The servers run with tokens.refresh_grace = 0 (the default): every replay of a rotated refresh
// token counts as reuse and ends the session, so nothing is masked.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchBrowser, startJwtd } from './server.mjs';

const PASSWORD = 'correct horse battery';
const LOCK_TIMEOUT_MS = 1500;
const TABS = 4;
let server;
let browser;
let users = 0;

before(async () => {
  server = await startJwtd(['tokens.refresh_grace=0']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function newUser() {
  const username = `sdk${process.pid}x${Date.now() % 100000}x${++users}`;
  const res = await fetch(`${server.url}/v1/users`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(res.status, 201, 'registration');
  return username;
}

// The refresh counters of /metrics.
async function counters() {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const value = (re) => Number(re.exec(text)?.[1] ?? NaN);
  const c = {
    ok: value(/^jwtd_refreshes_total\{result="ok"\} (\d+)/m),
    failed: value(/^jwtd_refreshes_total\{result="failed"\} (\d+)/m),
    reuse: value(/^jwtd_refresh_reuse_detected_total (\d+)/m),
  };
  for (const [k, v] of Object.entries(c)) assert.ok(Number.isFinite(v), `/metrics has no ${k} counter`);
  return c;
}

const delta = (a, b) => ({ ok: b.ok - a.ok, failed: b.failed - a.failed, reuse: b.reuse - a.reuse });

// `n` tabs of one profile, each with its own session client (window.s), on a page of the
// origin that has no client of its own (an unknown path: a 404 page of jwtd).
async function openTabs(context, n = TABS) {
  const tabs = [];
  for (let i = 0; i < n; i++) {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/sdk-test-page`);
    await page.evaluate(async (lockTimeoutMs) => {
      const m = await import('/js/jwtd-session.js');
      window.m = m;
      window.s = m.createSession({ lockTimeoutMs });
      window.events = [];
      window.s.subscribe((e) => window.events.push({ type: e.type, cause: e.cause, at: Date.now() }));
    }, LOCK_TIMEOUT_MS);
    tabs.push({ page, errors });
  }
  return tabs;
}

// Tab 1 signs in; the others pick the session up the way a reloaded tab does.
async function signInAll(tabs) {
  const username = await newUser();
  const status = await tabs[0].page.evaluate(([u, p]) => s.login(u, p).then((r) => r.status), [username, PASSWORD]);
  assert.equal(status, 200, 'login');
  for (const { page } of tabs.slice(1)) {
    assert.ok(await page.evaluate(() => s.resume().then((r) => r.ok)), 'resume');
  }
  return username;
}

// Every tab holds a token the server accepts.
async function assertAllSignedIn(tabs) {
  for (const [i, { page }] of tabs.entries()) {
    const r = await page.evaluate(async () => ({ signedIn: s.signedIn, status: (await s.fetch('/v1/me')).status }));
    assert.deepEqual(r, { signedIn: true, status: 200 }, `tab ${i + 1}`);
  }
}

// Fires `counts[i]` refreshes in tab i, all at the same wall-clock moment (or spread over
// `spreadMs` from it): the results of every call.
async function burst(tabs, counts, spreadMs = 0) {
  const at = Date.now() + 300;
  const results = await Promise.all(tabs.map(({ page }, i) => page.evaluate(async ([when, n, spread]) => {
    await new Promise((r) => setTimeout(r, when - Date.now()));
    const calls = Array.from({ length: n }, () => new Promise((r) => setTimeout(r, Math.random() * spread))
      .then(() => s.refresh()));
    return (await Promise.all(calls)).map((r) => ({ ok: r.ok, status: r.status, error: r.error }));
  }, [at, counts[i], spreadMs])));
  return results.flat();
}

const FIFTY = [13, 13, 12, 12];

async function burstEndsClean(context, label) {
  const tabs = await openTabs(context);
  await signInAll(tabs);
  const before0 = await counters();
  const together = await burst(tabs, FIFTY);
  assert.equal(together.length, 50);
  assert.deepEqual(together.filter((r) => !r.ok), [], 'every refresh of the burst succeeded');
  const after0 = await counters();
  const spread = await burst(tabs, FIFTY, 1000);
  assert.deepEqual(spread.filter((r) => !r.ok), [], 'every refresh of the spread burst succeeded');
  const after1 = await counters();
  const d0 = delta(before0, after0);
  const d1 = delta(after0, after1);
  console.log(`# ${label}: 50 refreshes at once -> ${d0.ok} rotations, ${d0.reuse} reuse, ${d0.failed} failed; `
    + `50 spread over 1 s -> ${d1.ok} rotations, ${d1.reuse} reuse, ${d1.failed} failed`);
  assert.deepEqual([d0.reuse, d0.failed, d1.reuse, d1.failed], [0, 0, 0, 0], 'no reuse detection, no refused refresh');
  assert.ok(d0.ok >= 1 && d0.ok <= TABS, `one rotation serves the simultaneous burst (${d0.ok})`);
  await assertAllSignedIn(tabs);
  for (const t of tabs) assert.deepEqual(t.errors, []);
}

describe('browser session client, four tabs of one profile', () => {
  test('the lab serves a byte-identical copy of sdk/browser/jwtd-session.js', () => {
    const sdk = readFileSync(fileURLToPath(new URL('../../sdk/browser/jwtd-session.js', import.meta.url)));
    const lab = readFileSync(fileURLToPath(new URL('../../web/js/jwtd-session.js', import.meta.url)));
    assert.ok(sdk.equals(lab), 'web/js/jwtd-session.js differs: cp sdk/browser/jwtd-session.js web/js/');
  });

  test('a burst of refreshes across the tabs (Web Locks): zero reuse, every tab signed in', async () => {
    const context = await browser.newContext();
    const [probe] = await openTabs(context, 1);
    assert.ok(await probe.page.evaluate(() => Boolean(navigator.locks)), 'Web Locks available');
    await probe.page.close();
    await burstEndsClean(context, 'Web Locks');
    await context.close();
  });

  test('the same burst over the BroadcastChannel lease when Web Locks is missing', async () => {
    const context = await browser.newContext();
    await context.addInitScript(() => { delete Navigator.prototype.locks; });
    await burstEndsClean(context, 'BroadcastChannel');
    const tabs = await openTabs(context, 1);
    assert.equal(await tabs[0].page.evaluate(() => navigator.locks), undefined, 'Web Locks really was missing');
    await context.close();
  });

  test('control: the same tabs refreshing without coordination trip reuse detection', async () => {
    const context = await browser.newContext();
    const tabs = await openTabs(context);
    await signInAll(tabs);
    const before0 = await counters();
    // Each tab's refresh leaves with the cookies all the tabs held before any of them refreshed:
    // what uncoordinated tabs of one profile send when their timers fire together. The jar is
    // put back before each request rather than the requests started in one tick, because
    // Chromium attaches cookies when a request is sent, not when fetch() is called: on a fast
    // machine the first answer can rotate the jar before the others leave, and they then carry
    // the new cookie with the old CSRF token (403) and never reach the reuse check.
    const jar = await context.cookies();
    const csrf = await tabs[0].page.evaluate(() => m.csrfCookie());
    const statuses = [];
    for (const { page } of tabs) {
      await context.addCookies(jar);
      statuses.push(await page.evaluate((token) => fetch('/oauth/token', {
        method: 'POST', credentials: 'same-origin', cache: 'no-store', body: 'grant_type=refresh_token',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': token },
      }).then((r) => r.status), csrf));
    }
    assert.deepEqual(statuses, [200, 400, 400, 400], 'the first tab rotates, the others are refused');
    const d = delta(before0, await counters());
    console.log(`# uncoordinated: ${TABS} refreshes with one cookie -> ${d.ok} ok, ${d.reuse} reuse detections`);
    assert.deepEqual([d.ok, d.reuse], [1, 1], `one rotation, then reuse detected (${JSON.stringify(d)})`);
    await context.close();
  });

  test('logout in lab tab 1 signs out lab tabs 2-4 within 1 s', async () => {
    const context = await browser.newContext();
    const pages = [];
    const username = await newUser();
    for (let i = 0; i < TABS; i++) {
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      await page.waitForSelector('body[data-ready="true"]');
      if (i === 0) {
        await page.fill('#username', username);
        await page.fill('#password', PASSWORD);
        await page.click('#signin');
      }
      await page.waitForSelector('#signed-in:not([hidden])');
      pages.push(page);
    }
    // Each tab notes when its sign-in form comes back.
    for (const page of pages.slice(1)) {
      await page.evaluate(() => {
        const form = document.getElementById('signin-form');
        new MutationObserver(() => { if (!form.hidden) window.signedOutAt ??= Date.now(); })
          .observe(form, { attributes: true, attributeFilter: ['hidden'] });
      });
    }
    const clickedAt = await pages[0].evaluate(() => { const t = Date.now(); document.getElementById('signout').click(); return t; });
    const times = await Promise.all(pages.slice(1).map(async (page) => {
      await page.waitForFunction(() => window.signedOutAt !== undefined, null, { timeout: 2000 });
      return page.evaluate(() => window.signedOutAt);
    }));
    const lags = times.map((t) => t - clickedAt);
    console.log(`# logout in tab 1 -> tabs 2-4 signed out after ${lags.join(', ')} ms`);
    for (const lag of lags) assert.ok(lag < 1000, `signed out after ${lag} ms`);
    for (const page of pages.slice(1)) assert.match(await page.textContent('#account-status'), /Signed out in another tab/);
    // And the session is over on the server: tab 1's answer cleared the cookies.
    await pages[0].waitForFunction(() => /session is over on the server/.test(document.getElementById('account-status').textContent));
    assert.deepEqual((await context.cookies()).map((c) => c.name), [], 'both cookies cleared');
    await context.close();
  });

  test('a refresh answer arriving after a sign-out does not revive the session', async () => {
    const context = await browser.newContext();
    const tabs = await openTabs(context);
    await signInAll(tabs);
    // Tab 2's refresh reaches the server and succeeds; its answer is held back.
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    let lateStatus = null;
    await tabs[1].page.route('**/oauth/token', async (route) => {
      const response = await route.fetch();
      lateStatus = response.status();
      await held;
      await route.fulfill({ response });
    });
    await tabs[1].page.evaluate(() => { window.late = s.refresh(); });
    await tabs[1].page.waitForFunction(() => true);
    for (let i = 0; i < 50 && lateStatus === null; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(lateStatus, 200, 'the held-back refresh succeeded on the server');
    const logout = tabs[0].page.evaluate(() => s.logout().then((r) => r.status));
    await Promise.all(tabs.map(({ page }) => page.waitForFunction(() => !s.signedIn, null, { timeout: 1000 })));
    release();
    const late = await tabs[1].page.evaluate(() => window.late.then((r) => ({ ok: r.ok, error: r.error })));
    assert.deepEqual(late, { ok: false, error: 'signed_out' }, 'the late answer was discarded');
    assert.equal(await logout, 204);
    await new Promise((r) => setTimeout(r, 300));  // time for any broadcast to land
    for (const [i, { page }] of tabs.entries()) {
      assert.equal(await page.evaluate(() => s.signedIn), false, `tab ${i + 1} stays signed out`);
    }
    await context.close();
  });

  test('a tab frozen inside the lock holds the others up no longer than the lock timeout', async () => {
    const context = await browser.newContext();
    const tabs = await openTabs(context);
    await signInAll(tabs);
    const before0 = await counters();
    const frozen = tabs[3].page;
    let stalled;
    // Only its first refresh request stalls; anything after goes through.
    await frozen.route('**/oauth/token', (route) => { if (stalled) route.continue(); else stalled = route; });
    await frozen.evaluate(() => { window.stuck = s.refresh(); });
    for (let i = 0; i < 50 && !stalled; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(stalled, 'the frozen tab is inside the lock, its refresh on the wire');
    const cdp = await context.newCDPSession(frozen);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    const waits = await Promise.all(tabs.slice(0, 3).map(({ page }) => page.evaluate(async () => {
      const t = performance.now();
      const r = await s.refresh();
      return { ok: r.ok, error: r.error, ms: Math.round(performance.now() - t) };
    })));
    console.log(`# frozen holder: the other tabs waited ${waits.map((w) => w.ms).join(', ')} ms (lock timeout ${LOCK_TIMEOUT_MS} ms)`);
    for (const w of waits) {
      assert.ok(w.ok, `refreshed (${w.error})`);
      assert.ok(w.ms < LOCK_TIMEOUT_MS + 1000, `waited ${w.ms} ms`);
    }
    // Thawed, its stale request goes out late: the browser sends the new cookie with the old
    // CSRF value, the server refuses it without spending anything, and the tab adopts the
    // others' token.
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    await stalled.continue();
    const stuck = await frozen.evaluate(() => window.stuck.then((r) => ({ ok: r.ok, status: r.status })));
    console.log(`# thawed holder: its late refresh -> ${JSON.stringify(stuck)}`);
    const d = delta(before0, await counters());
    assert.equal(d.reuse, 0, 'no reuse detection');
    await assertAllSignedIn(tabs);
    await context.close();
  });
});
