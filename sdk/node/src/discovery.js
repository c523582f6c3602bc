// Discovery: jwtd's RFC 8414 metadata, turned into what the verifier is configured with
// (docs/verifying.md, the table of metadata fields).
import { getJson } from './http.js';

const trimSlash = (s) => s.replace(/\/+$/, '');

// RFC 8414 §3: the well-known path goes between the host and the issuer's path.
export function metadataUrl(issuer, base) {
  const path = trimSlash(new URL(issuer).pathname);
  return `${trimSlash(base)}/.well-known/oauth-authorization-server${path}`;
}

// An endpoint the metadata names under the issuer is reached under `base` instead (jwtd may
// be reached at an internal address while its issuer is the public one). It must end up on
// base's origin: feed credentials go nowhere else.
function rebase(endpoint, issuer, base, name) {
  if (typeof endpoint !== 'string') throw new Error(`metadata has no ${name}`);
  const url = endpoint.startsWith(trimSlash(issuer)) ? trimSlash(base) + endpoint.slice(trimSlash(issuer).length) : endpoint;
  if (new URL(url).origin !== new URL(base).origin) {
    throw new Error(`metadata ${name} ${endpoint} is not on ${new URL(base).origin}`);
  }
  return url;
}

function integer(m, name, min) {
  const v = m[name];
  if (!Number.isSafeInteger(v) || v < min) throw new Error(`metadata ${name} is missing or not an integer >= ${min}`);
  return v;
}

// Fetches and checks the metadata. Returns { settings, endpoints, heartbeatMs, strategies,
// dpopAlgs } (dpopAlgs: the metadata's dpop_signing_alg_values_supported, RFC 9449 §5.1, when
// jwtd has DPoP on; undefined otherwise).
export async function discover({ issuer, url = issuer, timeoutMs, agent, audience }) {
  const { json: m } = await getJson(metadataUrl(issuer, url), { timeoutMs, agent });
  // RFC 8414 §3.3: the issuer in the metadata must be the one we asked for.
  if (m.issuer !== issuer) throw new Error(`metadata issuer ${m.issuer} is not ${issuer}`);
  const aud = audience ?? m.access_token_audience;
  if (typeof aud !== 'string' || aud === '') throw new Error('metadata has no access_token_audience');
  return {
    settings: {
      issuer,
      audience: aud,
      typ: typeof m.access_token_typ === 'string' ? m.access_token_typ : 'at+jwt',
      leeway: integer(m, 'access_token_leeway', 0),
      maxLifetime: integer(m, 'access_token_max_lifetime', 1),
      maxTokenBytes: 8192,
    },
    endpoints: {
      jwks: rebase(m.jwks_uri, issuer, url, 'jwks_uri'),
      page: rebase(m.revocation_feed_endpoint, issuer, url, 'revocation_feed_endpoint'),
      stream: rebase(m.revocation_feed_stream_endpoint, issuer, url, 'revocation_feed_stream_endpoint'),
    },
    heartbeatMs: integer(m, 'revocation_feed_heartbeat_ms', 1),
    strategies: Array.isArray(m.revocation_strategies) ? m.revocation_strategies : [],
    dpopAlgs: Array.isArray(m.dpop_signing_alg_values_supported) ? m.dpop_signing_alg_values_supported : undefined,
  };
}
