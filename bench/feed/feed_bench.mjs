// Revocation feed benchmarks (docs/benchmarks.md "Revocation feed"), against a real `jwtd serve`:
//  1. propagation: N SSE followers on one node; for each of K logouts, the time from the
//     logout's 204 (as the client saw it) to the matching `revocation` event at every follower
//     (p50/p99 over K x N deliveries, and of the slowest follower per logout); the node's memory
//     and CPU per follower (RSS and CPU time from /proc, with and without the followers);
//  2. catch-up: M live entries written into a stopped node's SQLite log, then the time a
//     restarting follower needs to page all of them (raw pages, and @jwtd/verifier's
//     createVerifier until it is current).
// Usage: node feed_bench.mjs <jwtd> [--followers N] [--logouts K] [--entries M] [--json FILE]
// Every loop is bounded; everything listens on 127.0.0.1 only.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const bin = args[0];
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i > 0 ? args[i + 1] : dflt;
};
const FOLLOWERS = Number(opt('--followers', 1000));
const LOGOUTS = Number(opt('--logouts', 50));
const ENTRIES = Number(opt('--entries', 1_000_000));
const JSON_OUT = opt('--json', '');
const CLIENT = 'rs1';
const SECRET = 'bench-feed-secret-0123456789';
const BASIC = 'Basic ' + Buffer.from(`${CLIENT}:${SECRET}`).toString('base64');
const TICKS = 100;  // USER_HZ of /proc/<pid>/stat

function startJwtd(dir, extra = []) {
  const child = spawn(bin, ['serve', '--data-dir', dir, '--listen', '127.0.0.1:0',
    '--set', 'password.ops_limit=1', '--set', 'password.mem_limit_kib=64', '--set', 'log.level=warn',
    '--set', `feed.clients=${CLIENT}:${SECRET}`,
    '--set', 'tokens.issuer=http://127.0.0.1', ...extra.flatMap((s) => ['--set', s])],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`jwtd did not start:\n${out}`)), 60000);
    const onData = (c) => {
      out += c;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, port: Number(m[1]) }); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`jwtd exited ${code}:\n${out}`)); });
  });
}

async function stop(server) {
  server.child.removeAllListeners('exit');
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;
}

function request(port, method, target, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, method, path: target, agent: false,
      headers: { ...(data ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function procStat(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { cpuSeconds: (Number(f[11]) + Number(f[12])) / TICKS,
    rssKiB: Number(/VmRSS:\s+(\d+)/.exec(status)[1]) };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

// One SSE follower: calls onEvent(type, data) per event, as the bytes arrive.
function follow(port, onEvent) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v1/revocations/stream', agent: false,
      headers: { authorization: BASIC, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) { reject(new Error(`stream answered ${res.statusCode}`)); return; }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buf += chunk;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          let type = '', data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) type = line.slice(7);
            else if (line.startsWith('data: ')) data = line.slice(6);
          }
          onEvent(type, data);
        }
      });
      resolve(req);
    });
    req.on('error', reject);
  });
}

async function propagation() {
  const log = (m) => { if (process.env.FEED_BENCH_DEBUG) console.error(m); };
  const dir = mkdtempSync(path.join(tmpdir(), 'jwtd-feed-bench-'));
  const server = await startJwtd(dir, [`feed.max_subscribers=${FOLLOWERS + 10}`]);
  const { port } = server;
  try {
    await request(port, 'POST', '/v1/users', { username: 'bench', password: 'correct horse' });
    const sessions = [];
    for (let i = 0; i < LOGOUTS; i++) {
      const r = await request(port, 'POST', '/v1/login', { username: 'bench', password: 'correct horse' });
      const access = JSON.parse(r.body).access_token;
      sessions.push({ access, sid: JSON.parse(Buffer.from(access.split('.')[1], 'base64url')).sid });
    }
    log('sessions ready');
    await sleep(500);
    const idle0 = procStat(server.child.pid);
    await sleep(5000);
    const idle1 = procStat(server.child.pid);

    const waiting = new Map();  // sid -> {t0, times[]}
    let beats = 0;
    const streams = [];
    const onEvent = (type, data) => {
      if (type === 'heartbeat') { beats++; return; }
      if (type !== 'revocation') return;
      const now = performance.now();
      const w = waiting.get(JSON.parse(data).key);
      if (w) w.arrivals.push(now);
    };
    for (let i = 0; i < FOLLOWERS; i++) streams.push(await follow(port, onEvent));
    log('followers connected');
    for (let i = 0; i < 200 && beats < FOLLOWERS; i++) await sleep(50);
    await sleep(1000);
    const busy0 = procStat(server.child.pid);
    await sleep(5000);
    const busy1 = procStat(server.child.pid);

    const all = [], slowest = [];
    let missing = 0;
    for (const s of sessions) {
      const w = { arrivals: [], t0: 0 };
      waiting.set(s.sid, w);
      const r = await request(port, 'POST', '/v1/logout', undefined, { authorization: `Bearer ${s.access}` });
      w.t0 = performance.now();
      if (r.status !== 204) throw new Error(`logout answered ${r.status}`);
      for (let i = 0; i < 100 && w.arrivals.length < FOLLOWERS; i++) await sleep(5);
      missing += FOLLOWERS - w.arrivals.length;
      // An event may arrive before the client has read the 204: that delay is 0.
      const lat = w.arrivals.map((t) => Math.max(0, t - w.t0));
      all.push(...lat);
      slowest.push(Math.max(...lat));
      await sleep(20);
    }
    log('logouts done');
    for (const s of streams) s.destroy();
    const perFollowerKiB = (busy0.rssKiB - idle1.rssKiB) / FOLLOWERS;
    const idleCpu = (idle1.cpuSeconds - idle0.cpuSeconds) / 5;
    const busyCpu = (busy1.cpuSeconds - busy0.cpuSeconds) / 5;
    return { followers: FOLLOWERS, logouts: LOGOUTS, deliveries: all.length, missing,
      p50_ms: pct(all, 50), p99_ms: pct(all, 99), max_ms: Math.max(...all),
      slowest_follower_p50_ms: pct(slowest, 50), slowest_follower_p99_ms: pct(slowest, 99),
      rss_idle_kib: idle1.rssKiB, rss_followers_kib: busy0.rssKiB,
      rss_per_follower_kib: perFollowerKiB,
      cpu_idle_fraction: idleCpu, cpu_followers_fraction: busyCpu,
      cpu_per_follower_us_per_s: ((busyCpu - idleCpu) / FOLLOWERS) * 1e6 };
  } finally {
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function catchUp() {
  const dir = mkdtempSync(path.join(tmpdir(), 'jwtd-feed-bench-'));
  let server = await startJwtd(dir);
  await stop(server);  // the schema exists now
  const db = path.join(dir, 'jwtd.db');
  const seed = performance.now();
  execFileSync('/usr/bin/python3', [path.join(here, 'seed_log.py'), db, String(ENTRIES)]);
  const seedSeconds = (performance.now() - seed) / 1000;
  server = await startJwtd(dir);
  const { port } = server;
  try {
    const runs = [];
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      let after = 0, got = 0;
      for (let pages = 0; pages < ENTRIES / 10000 + 10; pages++) {
        const r = await request(port, 'GET', `/v1/revocations?after=${after}&limit=10000`, undefined,
          { authorization: BASIC });
        const page = JSON.parse(r.body);
        got += page.entries.length;
        after = page.next;
        if (page.complete) break;
      }
      if (got !== ENTRIES) throw new Error(`paged ${got} of ${ENTRIES} entries`);
      runs.push((performance.now() - t0) / 1000);
    }
    const { createVerifier } = await import('../../sdk/node/src/index.js');
    const sdkRuns = [];
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      const v = await createVerifier({ issuer: 'http://127.0.0.1', url: `http://127.0.0.1:${port}`,
        feed: { clientId: CLIENT, clientSecret: SECRET } });
      sdkRuns.push((performance.now() - t0) / 1000);
      await v.close();
    }
    return { entries: ENTRIES, seed_seconds: seedSeconds, page_seconds_runs: runs,
      page_seconds_median: pct(runs, 50), sdk_seconds_runs: sdkRuns, sdk_seconds_median: pct(sdkRuns, 50) };
  } finally {
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

const result = { propagation: await propagation(), catch_up: await catchUp() };
console.log(JSON.stringify(result, null, 1));
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(result, null, 1));
