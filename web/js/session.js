// This tab's own session, the reference browser client of docs/api.md: the refresh token stays
// in the HttpOnly refresh cookie (__Host-jwtd_refresh, or jwtd_refresh when the cookies are not
// Secure), the access token only in this module's variable (never localStorage/sessionStorage,
// never the DOM). A timer refreshes it silently at 80% of its lifetime; cookie-carried requests
// echo the CSRF cookie in X-CSRF-Token.
import { call, csrfCookie, describe } from './client.js';
import { decodeJwt, preview } from './jwt.js';

const REFRESH_AT = 0.8;  // of expires_in: early enough to survive a slow network or a clock skew

let current = null;  // { token, username, header, claims, expiresAt, refreshAt }
let timer = null;
let refreshes = 0;
const listeners = new Set();

export function onChange(fn) { listeners.add(fn); }

function emit(message) {
  for (const fn of listeners) fn(state(), message);
}

// What the UI may show: everything but the token itself.
export function state() {
  if (!current) return null;
  const { username, header, claims, expiresAt, refreshAt } = current;
  return { username, header, claims, expiresAt, refreshAt, refreshes, preview: preview(current.token) };
}

export function signedIn() { return current !== null; }

function accept(tokens, username) {
  const { header, claims } = decodeJwt(tokens.access_token);
  const now = Date.now();
  const lifetime = Number(tokens.expires_in) * 1000;
  current = {
    token: tokens.access_token, username, header, claims,
    expiresAt: now + lifetime, refreshAt: now + lifetime * REFRESH_AT,
  };
  clearTimeout(timer);
  timer = setTimeout(() => { refresh('silent'); }, lifetime * REFRESH_AT);
}

function end(message) {
  clearTimeout(timer);
  timer = null;
  current = null;
  emit(message);
}

export async function register(username, password) {
  const r = await call('POST', '/v1/users', { json: { username, password }, cookies: false });
  if (!r.ok) return r;
  return login(username, password);
}

export async function login(username, password) {
  const r = await call('POST', '/v1/login', { json: { username, password, cookie: true } });
  if (r.ok) {
    accept(r.data, username);
    emit(`Signed in as ${username}.`);
  }
  return r;
}

// Rotates the refresh token in the cookie. The Web Lock keeps two tabs of this browser from
// presenting the same cookie at once (the second would look like a stolen, replayed token).
export async function refresh(trigger = 'manual') {
  const run = async () => {
    const r = await call('POST', '/oauth/token', { form: { grant_type: 'refresh_token' }, csrf: true });
    if (r.ok) {
      const username = current?.username ?? '';
      accept(r.data, username);
      refreshes += 1;
      emit(trigger === 'silent' ? 'Access token refreshed silently.' : 'Access token refreshed.');
    } else {
      end(`Refresh refused (${describe(r)}): sign in again.`);
    }
    return r;
  };
  return navigator.locks ? navigator.locks.request('jwtd-refresh', run) : run();
}

// On reload the cookie may still hold a live session: get an access token from it (the readable
// CSRF cookie, set with the refresh cookie, tells whether there is one to try).
export async function resume() {
  if (!csrfCookie()) return null;
  const r = await refresh('resume');
  if (!r.ok || !current) return r;
  const who = await call('GET', '/v1/me', { bearer: current.token });
  if (who.ok) {
    current.username = who.data.username;
    emit(`Session resumed from the cookie: signed in as ${current.username}.`);
  }
  return r;
}

// GET /v1/me with this tab's token. An expired token is refreshed once and the call retried;
// a revoked one means the session is over (RFC 6750 §3.1 invalid_token).
export async function me() {
  if (!current) return { status: 0, ok: false, error: 'not_signed_in', description: 'sign in first' };
  let r = await call('GET', '/v1/me', { bearer: current.token });
  if (r.status === 401 && /expired/.test(r.description)) {
    const refreshed = await refresh('expired');
    if (refreshed.ok) r = await call('GET', '/v1/me', { bearer: current.token });
  } else if (r.status === 401) {
    end(`The server refused this tab's access token (${describe(r)}): sign in again.`);
  }
  return r;
}

export async function sessions() {
  if (!current) return { status: 0, ok: false, data: null };
  return call('GET', '/v1/sessions', { bearer: current.token });
}

export async function endSession(id) {
  return call('DELETE', `/v1/sessions/${encodeURIComponent(id)}`, { bearer: current?.token });
}

export async function logout() {
  const r = await call('POST', '/v1/logout', { bearer: current?.token, csrf: true });
  end(r.ok ? 'Signed out: this session is over on the server.' : `Sign-out failed: ${describe(r)}`);
  return r;
}

// Another actor (the lab's logout-everywhere) may have ended this session: ask the server.
export async function check() {
  if (!current) return null;
  return me();
}
