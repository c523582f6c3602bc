// jwtd's DPoP (RFC 9449) against third-party client code: oauth4webapi (panva) for discovery,
// the refresh token grant and protected resource requests with its DPoP handle, and jose for the
// login proof (jwtd's own /v1/login, which oauth4webapi has no call for) and for verifying the
// access tokens against jwtd's JWKS. Each server is a real `jwtd serve` (the binary in
// DPOP_INTEROP_JWTD_BIN) on a free port of 127.0.0.1, with a temporary data dir; the issuer is
// set to that URL, since oauth4webapi names the request URL in every proof's htu and checks the
// discovered issuer. Everything fails loudly: no binary, no server, no skip.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import {
  SignJWT, calculateJwkThumbprint, createRemoteJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify,
} from 'jose';

const PASSWORD = 'correct horse battery';
const INSECURE = { [oauth.allowInsecureRequests]: true };  // plain http on loopback, test only
const client = { client_id: 'jwtd' };                       // the client_id of jwtd's tokens
let users = 0;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startOnce(settings) {
  const bin = process.env.DPOP_INTEROP_JWTD_BIN;
  if (!bin) throw new Error('DPOP_INTEROP_JWTD_BIN is not set (run through run.sh or ctest)');
  if (!existsSync(bin)) throw new Error(`jwtd binary not found: ${bin}`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'jwtd-dpop-interop-'));
  const args = ['serve', '--data-dir', dir, '--listen', `127.0.0.1:${port}`,
    '--set', `tokens.issuer=${url}`,
    '--set', 'password.ops_limit=1', '--set', 'password.mem_limit_kib=64', '--set', 'log.level=warn',
    ...settings.flatMap((s) => ['--set', s])];
  // Hermetic: no JWTD_* variable of the caller's environment reaches the server.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('JWTD_')));
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`jwtd did not start in 20 s:\n${output}`)), 20000);
      const onData = (chunk) => {
        output += chunk;
        if (output.includes(`listening on ${url}`)) { clearTimeout(timer); resolve(); }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`jwtd exited (${code}):\n${output}`)); });
    });
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  child.removeAllListeners('exit');
  return {
    url,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The port is free when asked for and taken by jwtd a moment later: another process may win it
// in between, so a failed start is tried again on another port.
async function startJwtd(settings) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(settings);
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
}

async function discover(server) {
  const issuer = new URL(server.url);
  const res = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...INSECURE });
  return oauth.processDiscoveryResponse(issuer, res);
}

async function newUser(server) {
  const username = `interop${process.pid}x${++users}`;
  const res = await fetch(`${server.url}/v1/users`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(res.status, 201, 'registration');
  return username;
}

// POST /v1/login with a DPoP proof made with jose (body mode: the refresh token comes back in
// the JSON), once more with the server's nonce when it asks for one.
async function dpopLogin(server, keyPair, username) {
  const jwk = await exportJWK(keyPair.publicKey);
  let nonce;
  for (let attempt = 0; ; attempt += 1) {
    const proof = await new SignJWT({ htm: 'POST', htu: `${server.url}/v1/login`, jti: crypto.randomUUID(), ...(nonce ? { nonce } : {}) })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
      .setIssuedAt()
      .sign(keyPair.privateKey);
    const res = await fetch(`${server.url}/v1/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', DPoP: proof },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    const body = await res.json();
    if (attempt === 0 && res.status === 400 && body.error === 'use_dpop_nonce' && res.headers.get('dpop-nonce')) {
      nonce = res.headers.get('dpop-nonce');
      continue;
    }
    return { status: res.status, body, challenged: attempt > 0 };
  }
}

// oauth4webapi's documented pattern: a use_dpop_nonce rejection is retried once; the handle has
// cached the nonce of the rejection.
async function retryingNonce(fn, seen) {
  try {
    return await fn();
  } catch (e) {
    if (!oauth.isDPoPNonceError(e)) throw e;
    seen.push(e.constructor.name);
    return fn();
  }
}

async function refresh(as, dpop, refreshToken, seen = []) {
  return retryingNonce(async () => {
    const res = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, { DPoP: dpop, ...INSECURE });
    const raw = await res.clone().json();
    const tokens = await oauth.processRefreshTokenResponse(as, client, res);
    return { status: res.status, raw, tokens };
  }, seen);
}

async function resource(server, accessToken, dpop, method = 'GET', apiPath = '/v1/me', seen = []) {
  return retryingNonce(async () => {
    const res = await oauth.protectedResourceRequest(accessToken, method, new URL(apiPath, server.url), undefined, undefined,
      { ...(dpop ? { DPoP: dpop } : {}), ...INSECURE });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  }, seen);
}

// The challenge oauth4webapi rejects a refused resource request with: scheme and error.
async function refusal(promise) {
  try {
    await promise;
  } catch (e) {
    if (e instanceof oauth.WWWAuthenticateChallengeError) {
      return { status: e.response.status, challenges: e.cause.map((c) => `${c.scheme} ${c.parameters.error ?? ''}`.trim()) };
    }
    if (e instanceof oauth.ResponseBodyError) return { status: e.status, error: e.error };
    throw e;
  }
  assert.fail('the request was accepted');
}

let plain;
let nonced;

before(async () => {
  plain = await startJwtd(['dpop.mode=optional']);
  nonced = await startJwtd(['dpop.mode=optional', 'dpop.nonce_lifetime=60']);
});

after(async () => {
  await Promise.all([plain?.stop(), nonced?.stop()]);
});

describe('oauth4webapi and jose against jwtd (dpop.mode = optional)', () => {
  test('discovery: the metadata lists DPoP, oauth4webapi accepts it for this issuer', async () => {
    const as = await discover(plain);
    assert.equal(as.issuer, plain.url);
    assert.equal(as.token_endpoint, `${plain.url}/oauth/token`);
    assert.ok(as.dpop_signing_alg_values_supported.includes('ES256'), JSON.stringify(as.dpop_signing_alg_values_supported));
  });

  test('login with a jose proof; refresh and /v1/me through oauth4webapi DPoP; tokens verify with jose', async () => {
    const as = await discover(plain);
    const keyPair = await generateKeyPair('ES256');  // private key not extractable
    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
    const username = await newUser(plain);

    const login = await dpopLogin(plain, keyPair, username);
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.equal(login.body.token_type, 'DPoP');
    assert.ok(login.body.refresh_token, 'body mode: a refresh token in the JSON');

    const jwks = createRemoteJWKSet(new URL(as.jwks_uri));
    const verify = (token) => jwtVerify(token, jwks, { issuer: as.issuer, audience: 'jwtd', typ: 'at+jwt' });
    const first = await verify(login.body.access_token);
    assert.equal(first.payload.cnf?.jkt, jkt, 'cnf.jkt is the RFC 7638 thumbprint of the proof key');
    assert.equal(first.protectedHeader.alg, 'ES256');

    const dpop = oauth.DPoP(client, keyPair);
    assert.equal(await dpop.calculateThumbprint(), jkt, 'oauth4webapi computes the same thumbprint');

    const r1 = await refresh(as, dpop, login.body.refresh_token);
    assert.equal(r1.status, 200);
    assert.equal(r1.raw.token_type, 'DPoP');
    assert.equal(r1.tokens.token_type, 'dpop', 'oauth4webapi saw a DPoP token response');
    assert.notEqual(r1.tokens.refresh_token, login.body.refresh_token, 'rotated');
    const second = await verify(r1.tokens.access_token);
    assert.equal(second.payload.cnf?.jkt, jkt, 'the refreshed access token is bound to the same key');
    assert.equal(second.payload.sid, first.payload.sid, 'the same session');

    const me = await resource(plain, r1.tokens.access_token, dpop);
    assert.equal(me.status, 200);
    assert.equal(me.body.username, username);
    assert.equal(me.body.sid, second.payload.sid);
    // Again: a fresh proof (new jti) per request.
    assert.equal((await resource(plain, r1.tokens.access_token, dpop)).status, 200);

    // Without the key: the token as Bearer, or under DPoP with another key's proof.
    const other = oauth.DPoP(client, await generateKeyPair('ES256'));
    assert.deepEqual(await refusal(resource(plain, r1.tokens.access_token, null)),
      { status: 401, challenges: ['dpop invalid_token'] }, 'the bound token as a bearer token');
    const foreign = await refusal(resource(plain, r1.tokens.access_token, other));
    assert.equal(foreign.status, 401);
    assert.deepEqual(foreign.challenges, ['dpop invalid_token'], 'a proof by another key');
    // The refresh token without the key: refused, and not spent.
    assert.deepEqual(await refusal(refresh(as, other, r1.tokens.refresh_token)), { status: 400, error: 'invalid_dpop_proof' });
    const r2 = await refresh(as, dpop, r1.tokens.refresh_token);
    assert.equal(r2.status, 200, 'the refresh token survived the attempt without the key');
    assert.equal((await verify(r2.tokens.access_token)).payload.cnf?.jkt, jkt);

    // POST /v1/logout as a protected resource request with the handle: the session is over.
    assert.equal((await resource(plain, r2.tokens.access_token, dpop, 'POST', '/v1/logout')).status, 204);
    assert.deepEqual(await refusal(refresh(as, dpop, r2.tokens.refresh_token)), { status: 400, error: 'invalid_grant' });
  });

  test('a bearer login stays bearer: its refresh through the DPoP handle gives bearer tokens', async () => {
    const as = await discover(plain);
    const username = await newUser(plain);
    const res = await fetch(`${plain.url}/v1/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    const body = await res.json();
    assert.equal(body.token_type, 'Bearer');
    const dpop = oauth.DPoP(client, await generateKeyPair('ES256'));
    const r = await refresh(as, dpop, body.refresh_token);
    assert.equal(r.raw.token_type, 'Bearer');
    assert.equal(decodeJwt(r.tokens.access_token).cnf, undefined);
    assert.equal((await resource(plain, r.tokens.access_token, null)).status, 200);
  });
});

describe('server nonces (dpop.nonce_lifetime = 60)', () => {
  test('use_dpop_nonce: oauth4webapi caches the DPoP-Nonce and the retry succeeds', async () => {
    const as = await discover(nonced);
    assert.equal(as.dpop_nonce_required, true);
    const keyPair = await generateKeyPair('ES256');
    const login = await dpopLogin(nonced, keyPair, await newUser(nonced));
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.ok(login.challenged, 'the first login proof was answered with use_dpop_nonce');
    const dpop = oauth.DPoP(client, keyPair);
    const seen = [];
    const r = await refresh(as, dpop, login.body.refresh_token, seen);
    assert.equal(r.status, 200);
    assert.equal(r.raw.token_type, 'DPoP');
    assert.deepEqual(seen, ['ResponseBodyError'], 'the token endpoint asked for the nonce once');
    // The token response carried the next nonce: the resource request needs no retry.
    const after = [];
    const me = await resource(nonced, r.tokens.access_token, dpop, 'GET', '/v1/me', after);
    assert.equal(me.status, 200);
    assert.deepEqual(after, [], 'the nonce cached from the token response was accepted');
    const jwks = createRemoteJWKSet(new URL(as.jwks_uri));
    const { payload } = await jwtVerify(r.tokens.access_token, jwks, { issuer: as.issuer, audience: 'jwtd' });
    assert.equal(payload.cnf?.jkt, await calculateJwkThumbprint(await exportJWK(keyPair.publicKey)));
  });
});
