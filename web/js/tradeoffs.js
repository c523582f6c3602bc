// The problem statement's trade-off table, filled from the running server: its settings
// (GET /v1/lab) and its measured figures (GET /metrics, Prometheus text format 0.0.4).
import { call } from './client.js';

// name{labels} value  ->  [{ name, labels: {..}, value }]
export function parseMetrics(text) {
  const samples = [];
  for (const raw of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(raw);
    if (!m || raw.startsWith('#')) continue;
    const labels = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

function pick(samples, name, labels = {}) {
  return samples.find((s) => s.name === name
    && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

// Upper bound of the bucket holding quantile q of a Prometheus histogram.
function quantileBound(samples, name, route, q) {
  const buckets = samples.filter((s) => s.name === `${name}_bucket` && s.labels.route === route)
    .map((s) => ({ le: Number(s.labels.le === '+Inf' ? Infinity : s.labels.le), n: s.value }))
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.n ?? 0;
  if (!total) return null;
  return buckets.find((b) => b.n >= q * total)?.le ?? null;
}

const duration = (s) => {
  if (s >= 86400 && s % 86400 === 0) return `${s / 86400} d`;
  if (s >= 3600 && s % 3600 === 0) return `${s / 3600} h`;
  if (s >= 60 && s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
};
const ms = (seconds) => (seconds < 0.001 ? `${(seconds * 1e6).toFixed(0)} µs` : `${(seconds * 1e3).toFixed(2)} ms`);
const bytes = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

export async function load() {
  const lab = await call('GET', '/v1/lab', { cookies: false });
  if (!lab.ok) return { lab: null, samples: null };
  let samples = null;
  if (lab.data.metrics_readable) {
    const m = await call('GET', '/metrics', { cookies: false });
    if (m.ok && typeof m.data === 'string') samples = parseMetrics(m.data);
  }
  return { lab: lab.data, samples };
}

// Rows of cells; a cell is text. Every figure below comes from `lab` or `samples`.
export function rows({ lab, samples }) {
  const t = lab.tokens;
  const { denylist, version } = lab.strategies;
  const accessWindow = duration(t.access_ttl_seconds + t.leeway_seconds);
  const view = lab.revocation_view;
  const manyNodes = lab.nodes !== 'one';
  const delay = manyNodes ? 'at once on this node; other nodes within the bus staleness bound' : 'at once';
  const refreshes = samples ? pick(samples, 'jwtd_refreshes_total', { result: 'ok' }) : undefined;
  const now = (count, what) => (view ? `${count} ${what}${count === 1 ? '' : 's'} now` : 'not reported');
  return [
    ['Soft logout', 'always (client side)', 'yes',
      `never revoked: access token usable up to ${accessWindow}, refresh token up to ${duration(t.refresh_ttl_seconds)} idle`,
      '0 (signature and expiry only)', 'none'],
    ['Logout (refresh revocation)', 'always', 'partly: access tokens are checked without the store',
      `refresh token: at once; access token: ${denylist ? 'at once (its session id is denied)' : `up to ${accessWindow}`}`,
      `0 per API request; 1 ${lab.store} transaction per refresh${refreshes !== undefined ? ` (${refreshes} so far)` : ''}`,
      `1 session row + 1 hashed refresh token per session (${lab.store})`],
    ['Denylist (jti / sid)', denylist ? 'on' : 'off', 'no',
      denylist ? delay : 'not available (off)',
      denylist ? '2 in-memory hash lookups (jti, sid), no network hop' : '0',
      denylist ? `1 entry per revoked token or ended session until its exp + ${t.leeway_seconds} s: ${now(view?.denied_jtis, 'revoked token')}, ${now(view?.ended_sessions, 'ended session')}`
        : 'none'],
    ['Token version (logout everywhere)', version ? 'on' : 'off', 'no',
      version ? delay : 'not available (off): logout-all relies on the denylist or on expiry',
      version ? '1 in-memory lookup (user → version)' : '0',
      version ? `1 integer per user who logged out everywhere: ${now(view?.user_versions, 'user')}` : 'none'],
  ];
}

export function measured({ lab, samples }) {
  const parts = [];
  if (lab.revocation_view) {
    parts.push(`revocation view: ${bytes(lab.revocation_view.approx_bytes)} in memory, ${lab.store} store, ${lab.nodes} node(s)`);
  }
  if (!samples) {
    parts.push('request latency: /metrics is not readable from this address (metrics.allow)');
    return parts.join(' · ');
  }
  const route = '/v1/me';
  const n = pick(samples, 'jwtd_http_request_duration_seconds_count', { route }) ?? 0;
  const sum = pick(samples, 'jwtd_http_request_duration_seconds_sum', { route }) ?? 0;
  if (n > 0) {
    const p50 = quantileBound(samples, 'jwtd_http_request_duration_seconds', route, 0.5);
    const p99 = quantileBound(samples, 'jwtd_http_request_duration_seconds', route, 0.99);
    parts.push(`GET /v1/me on this server, every enabled check included: mean ${ms(sum / n)} over ${n} requests, p50 ≤ ${ms(p50)}, p99 ≤ ${p99 === Infinity ? 'the top bucket' : ms(p99)}`);
  } else {
    parts.push('GET /v1/me: no requests measured yet — call it above');
  }
  const revoked = samples.filter((s) => s.name === 'jwtd_token_rejections_total' && s.value > 0)
    .map((s) => `${s.labels.reason} ${s.value}`);
  if (revoked.length) parts.push(`access tokens refused so far: ${revoked.join(', ')}`);
  return parts.join(' · ');
}
