// DPoP (RFC 9449) in the lab: this tab's session can be bound to a key pair the browser holds
// (jwtd-session.js with `dpop: 'auto'`: ECDSA P-256, private key not extractable, in IndexedDB).
// The experiment copies this tab's access token, as an injected script would, and replays it
// the ways a thief can: as a bearer token, and under DPoP with a proof signed by a key of its
// own. Then this tab makes the same call with its key. The copy never enters the DOM.
// keyHolder() is also what the strategy experiments (lab.js) sign with when the server requires
// DPoP: their subject sessions are body-mode clients the session client does not make.
import { call, describe } from './client.js';
import { dpopProof, jwkThumbprint } from './jwtd-session.js';
import { line } from './lab.js';

let server = null;  // what the metadata says of DPoP, null when it is off

// GET /.well-known/oauth-authorization-server: DPoP is on when it lists proof algorithms.
export async function detect() {
  const r = await call('GET', '/.well-known/oauth-authorization-server', { cookies: false });
  const algs = r.ok && r.data && typeof r.data === 'object' ? r.data.dpop_signing_alg_values_supported : null;
  server = Array.isArray(algs) && algs.length ? {
    algs, mode: r.data.dpop_mode ?? 'optional', nonce: Boolean(r.data.dpop_nonce_required),
    issuer: String(r.data.issuer ?? location.origin),
  } : null;
  return server;
}

// The origin jwtd names its endpoints by in a proof's htu: its issuer's, not the page's URL.
function issuerOrigin() {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(server?.issuer ?? '');
  return m ? m[0] : location.origin;
}

const short = (jkt) => `${String(jkt).slice(0, 10)}…`;

let nonce;  // the latest DPoP-Nonce this server handed out (server nonces are not per key)

// The server asks for a proof with its nonce (RFC 9449 §8, §9): use_dpop_nonce, in
// WWW-Authenticate from a resource (401), in the body from login and the token endpoint (400).
async function asksForNonce(res) {
  if (!res.headers.get('DPoP-Nonce')) return false;
  if (/error="use_dpop_nonce"/.test(res.headers.get('WWW-Authenticate') ?? '')) return true;
  if (res.status !== 400) return false;
  return res.clone().json().then((b) => b?.error === 'use_dpop_nonce', () => false);
}

// A fresh key pair of the lab's own (P-256, not extractable, in memory only) and its thumbprint.
// via(token) is a fetch for call(): each request goes with a well-formed proof by this key for
// that very request (method, URL, time, jti, and the hash of `token` when there is one, sent as
// `Authorization: DPoP`), once more with the server's nonce when it asks for one. The proof is
// the session client's (dpopProof): one implementation of the format.
export async function keyHolder() {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', keys.publicKey);
  const jwk = { kty, crv, x, y };
  const jkt = await jwkThumbprint(jwk);
  const via = (token) => async (path, init) => {
    for (let attempt = 0; ; attempt += 1) {
      const proof = await dpopProof(keys, { htm: init.method, htu: `${issuerOrigin()}${path}`, accessToken: token, nonce, jwk });
      const headers = { ...init.headers, DPoP: proof };
      if (token) headers.Authorization = `DPoP ${token}`;
      const res = await fetch(path, { ...init, headers });
      nonce = res.headers.get('DPoP-Nonce') ?? nonce;
      if (attempt > 0 || !(await asksForNonce(res))) return res;
    }
  };
  return { jkt, via };
}

// The thief's request under DPoP: a key pair of its own and a well-formed proof by it.
async function asThiefWithOwnKey(token) {
  const thief = await keyHolder();
  const r = await call('GET', '/v1/me', { cookies: false, via: thief.via(token) });
  return { r, jkt: thief.jkt };
}

const verdict = (r) => (r.ok ? 'accepted' : 'refused');

// Runs the experiment into `out`. `token` is this tab's access token (copied, in memory only),
// `claims` its decoded claims, `me` this tab's own GET /v1/me through the session client.
export async function replay(out, { token, claims, me }) {
  out.replaceChildren();
  for (const k of ['bound', 'bearer', 'foreign', 'owner']) delete out.dataset[k];
  if (!token) {
    out.textContent = 'Sign in first: there is no access token to copy.';
    return null;
  }
  out.textContent = 'Replaying the copied token…';
  const jkt = claims?.cnf?.jkt ?? null;
  const bearer = await call('GET', '/v1/me', { bearer: token, cookies: false });
  const foreign = await asThiefWithOwnKey(token);
  const owner = await me();

  const dl = document.createElement('dl');
  line(dl, 'Copied', jkt
    ? `this tab’s access token, bound to the key with thumbprint ${short(jkt)} (cnf.jkt) — a key this browser holds and no script can read out`
    : 'this tab’s access token, a bearer token: bound to nothing');
  line(dl, 'Thief: the copy as a bearer token → GET /v1/me', describe(bearer), verdict(bearer));
  line(dl, `Thief: the copy under DPoP, proof signed by its own key (${short(foreign.jkt)}) → GET /v1/me`,
    describe(foreign.r), verdict(foreign.r));
  line(dl, `This tab: the same token, ${jkt ? 'with a proof by its key' : 'as a bearer token'} → GET /v1/me`,
    describe(owner), verdict(owner));
  const p = document.createElement('p');
  if (jkt && !bearer.ok && !foreign.r.ok && owner.ok) {
    p.className = 'match';
    p.textContent = 'The copy is useless without the key: only this browser can use the token.';
  } else if (!jkt) {
    p.className = 'mismatch';
    p.textContent = 'A bearer session: the copy works like the original. Sign in again with the DPoP box ticked to see the difference.';
  } else {
    p.className = 'mismatch';
    p.textContent = 'Unexpected: see the answers above.';
  }
  out.replaceChildren(dl, p);
  Object.assign(out.dataset, {
    bound: String(Boolean(jkt)), bearer: String(bearer.status), foreign: String(foreign.r.status), owner: String(owner.status),
  });
  return { bound: Boolean(jkt), bearer: bearer.status, foreign: foreign.r.status, owner: owner.status };
}
