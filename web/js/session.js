// This tab's own session, through the browser session client (jwtd-session.js, a copy of
// sdk/browser/jwtd-session.js): the refresh token stays in the HttpOnly refresh cookie, the
// access token only in that module's memory (never Web Storage, never the DOM). It refreshes
// at 80% of the token's lifetime, one tab of this browser at a time, and a sign-out in one tab
// signs out every tab. With `dpop: 'auto'`, on a server whose metadata lists DPoP the session
// can be bound to a key pair this browser holds (non-extractable, in IndexedDB): every call then
// carries a proof signed with it. This file only turns its events into what the page shows.
import { call, describe } from './client.js';
import { createSession, csrfCookie } from './jwtd-session.js';
import { decodeJwt, preview } from './jwt.js';

const sdk = createSession({ dpop: 'auto' });
let username = '';
let refreshes = 0;
let trigger = 'silent';  // what asked for the refresh under way: the message depends on it
let resuming = false;    // resume() asks who is signed in itself
const listeners = new Set();

export function onChange(fn) { listeners.add(fn); }

function emit(message) {
  for (const fn of listeners) fn(state(), message);
}

// What the UI may show: everything but the token itself.
export function state() {
  const token = sdk.accessToken();
  if (!token) return null;
  const { header, claims } = decodeJwt(token);
  return {
    username, header, claims, expiresAt: sdk.expiresAt, refreshAt: sdk.refreshAt, refreshes,
    preview: preview(token),
  };
}

// The DPoP experiment's "thief" copies this tab's access token, as an injected script could.
// It stays in memory: the experiment sends it, it never enters the page.
export function copyToken() { return sdk.accessToken(); }

export function signedIn() { return sdk.signedIn; }

const SIGNED_OUT = {
  'refresh-refused': (e) => `Refresh refused (${describe(e.result)}): sign in again.`,
  revoked: (e) => `The server refused this tab's access token (${describe(e.result)}): sign in again.`,
  'other-tab': () => 'Signed out in another tab of this browser.',
  'no-session': () => 'The session cookie is gone: sign in again.',
};

sdk.subscribe((e) => {
  if (e.type === 'refreshed') {
    refreshes += 1;
    emit(trigger === 'silent' ? 'Access token refreshed silently.' : 'Access token refreshed.');
    trigger = 'silent';
  } else if (e.type === 'adopted') {
    refreshes += 1;
    emit('Access token refreshed by another tab of this browser.');
    if (!username && !resuming) whoAmI('Signed in by another tab of this browser');
  } else if (e.type === 'signed-out' && e.cause !== 'logout') {
    // This tab's own logout is shown once the server has answered (logout() below).
    username = '';
    emit(SIGNED_OUT[e.cause]?.(e));
  }
});

async function whoAmI(prefix) {
  const who = await call('GET', '/v1/me', { via: (req, init) => sdk.fetch(req, init) });
  if (who.ok && sdk.signedIn) {
    username = who.data.username;
    emit(`${prefix}: signed in as ${username}.`);
  }
}

// `options.dpop`: false signs in without a proof (a bearer session) where the server takes DPoP.
export async function register(name, password, options) {
  const r = await call('POST', '/v1/users', { json: { username: name, password }, cookies: false });
  if (!r.ok) return r;
  return login(name, password, options);
}

export async function login(name, password, options = {}) {
  const r = await sdk.login(name, password, options);
  if (r.ok) {
    username = name;
    emit(`Signed in as ${name}.`);
  }
  return r;
}

export async function refresh(why = 'manual') {
  trigger = why;
  return sdk.refresh();
}

// On reload the cookie may still hold a live session (the readable CSRF cookie, set with the
// refresh cookie, tells whether there is one to try): another tab's token, or a refresh.
export async function resume() {
  if (!csrfCookie()) return null;
  trigger = 'resume';
  resuming = true;
  try {
    const r = await sdk.resume();
    if (r?.ok && sdk.signedIn && !username) await whoAmI('Session resumed from the cookie');
    return r;
  } finally {
    resuming = false;
  }
}

// GET /v1/me through the client's fetch: an expired token is refreshed once and the call
// retried; a revoked one signs every tab out (the subscriber above says so).
export async function me() {
  if (!sdk.signedIn) return { status: 0, ok: false, error: 'not_signed_in', description: 'sign in first' };
  return call('GET', '/v1/me', { via: (req, init) => sdk.fetch(req, init) });
}

export async function sessions() {
  if (!sdk.signedIn) return { status: 0, ok: false, data: null };
  return call('GET', '/v1/sessions', { via: (req, init) => sdk.fetch(req, init) });
}

export async function endSession(id) {
  return call('DELETE', `/v1/sessions/${encodeURIComponent(id)}`, { via: (req, init) => sdk.fetch(req, init) });
}

export async function logout() {
  const r = await sdk.logout();
  username = '';
  emit(r.ok ? 'Signed out: this session is over on the server.' : `Sign-out failed: ${describe(r)}`);
  return r;
}

// Another actor (the lab's logout-everywhere) may have ended this session: ask the server.
export async function check() {
  if (!sdk.signedIn) return null;
  return me();
}
