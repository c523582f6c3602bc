// createVerifier(): discovery, keys and the revocation feed wired into a Verifier, resolved once
// the view is current. Options are documented in README.md and index.d.ts.
import http from 'node:http';
import https from 'node:https';
import { discover } from './discovery.js';
import { FeedFollower } from './follower.js';
import { basicAuthorization, getJson } from './http.js';
import { DPOP_DEFAULTS, PROOF_ALGS, dpopOptions } from './dpop.js';
import { KeyStore } from './keys.js';
import { Verifier, systemClock } from './verifier.js';

const defaultLogger = {
  warn: (m) => console.warn(`jwtd-verifier: ${m}`),
  info: () => {},
};

function required(value, name) {
  if (typeof value !== 'string' || value === '') throw new TypeError(`createVerifier: ${name} is required`);
  return value;
}

// The DPoP options: the caller's, the proof algorithms defaulting to those jwtd's metadata lists
// (the ones this SDK can verify), else ES256 and EdDSA.
function dpopFor(given, metadataAlgs) {
  const usable = (metadataAlgs ?? []).filter((a) => PROOF_ALGS.has(a));
  return { ...given, algs: given?.algs ?? (usable.length > 0 ? usable : DPOP_DEFAULTS.algs) };
}

export async function createVerifier(options = {}) {
  const issuer = required(options.issuer, 'issuer');
  const clientId = required(options.feed?.clientId, 'feed.clientId');
  const clientSecret = required(options.feed?.clientSecret, 'feed.clientSecret');
  dpopOptions(options.dpop);  // a TypeError for bad dpop options before any I/O
  const url = options.url ?? issuer;
  const clock = options.clock ?? systemClock;
  const logger = options.logger === undefined ? defaultLogger : options.logger;
  const timeoutMs = options.timeoutMs ?? 5000;
  // Keep-alive: pages and JWKS refetches reuse a connection; the stream holds its own.
  const agent = new (new URL(url).protocol === 'https:' ? https : http).Agent({ keepAlive: true,
    maxSockets: 4 });

  let found;
  let keys;
  try {
    found = await discover({ issuer, url, timeoutMs, agent, audience: options.audience });
    keys = new KeyStore({
      fetchJwks: async () => (await getJson(found.endpoints.jwks, { timeoutMs, agent })).json,
      cooldownMs: options.jwksCooldownMs ?? 30000,
      refreshMs: options.jwksRefreshMs ?? 300000,
      logger,
      monotonic: clock.monotonic,
    });
    await keys.refresh();
  } catch (e) {
    agent.destroy();
    throw e;
  }
  keys.startRefreshing();

  const feed = new FeedFollower({
    pageUrl: found.endpoints.page,
    streamUrl: found.endpoints.stream,
    authorization: basicAuthorization(clientId, clientSecret),
    heartbeatMs: found.heartbeatMs,
    clock,
    logger,
    timeoutMs,
    agent,
  });
  const verifier = new Verifier({
    settings: { ...found.settings, ...(options.maxTokenBytes ? { maxTokenBytes: options.maxTokenBytes } : {}) },
    keys,
    feed,
    clock,
    staleAfterMs: options.staleAfterMs ?? 1000,
    failOpen: options.failOpen === true,
    cacheEntries: options.cacheEntries ?? 10000,
    dpop: dpopFor(options.dpop, found.dpopAlgs),
    logger,
    onClose: () => agent.destroy(),
  });
  try {
    await feed.start(options.startTimeoutMs ?? 10000);
  } catch (e) {
    await verifier.close();
    throw e;
  }
  return verifier;
}
