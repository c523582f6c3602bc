// A real `jwtd serve` for the tests: the binary named by JWTD_VERIFIER_TEST_BIN (run-tests.sh
// sets it), a temporary data dir, 127.0.0.1 on an ephemeral port (or a given one, to restart
// on the same address), cheap Argon2id, and a feed client. Everything fails loudly: a missing
// binary or banner is an error, never a skip.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const FEED = { clientId: 'rs1', clientSecret: 'test-feed-secret-0123456789' };

export function jwtdBinary() {
  const bin = process.env.JWTD_VERIFIER_TEST_BIN;
  if (!bin) throw new Error('JWTD_VERIFIER_TEST_BIN is not set (run through run-tests.sh or ctest)');
  if (!existsSync(bin)) throw new Error(`jwtd binary not found: ${bin}`);
  return bin;
}

export function tempDataDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'jwtd-verifier-'));
  chmodSync(dir, 0o755);  // reachable by whichever user jwtd runs as
  return dir;
}

function hermeticEnv() {
  // No JWTD_* variable of the caller's environment reaches jwtd.
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('JWTD_')));
}

// Runs a jwtd subcommand to completion; rejects with its output when it fails.
export function runJwtd(args, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    execFile(jwtdBinary(), args, { env: hermeticEnv(), timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`jwtd ${args[0]} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

// Starts jwtd on `dir`; resolves { url, port, child, stop(signal), kill() }.
export async function startJwtd({ dir, port = 0, settings = [] } = {}) {
  const bin = jwtdBinary();
  const dataDir = dir ?? tempDataDir();
  const args = ['serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`,
    '--set', 'password.ops_limit=1', '--set', 'password.mem_limit_kib=64',
    '--set', 'log.level=warn', '--set', `feed.clients=${FEED.clientId}:${FEED.clientSecret}`,
    ...settings.flatMap((s) => ['--set', s])];
  const child = spawn(bin, args, { env: hermeticEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  // A test file that fails or is interrupted must not leave its jwtd running.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  exited.then(() => process.off('exit', reap));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`jwtd did not start in 20 s:\n${output}`)), 20000);
    const onData = (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then((code) => { clearTimeout(timer); reject(new Error(`jwtd exited (${code}):\n${output}`)); });
  }).catch((e) => {
    child.kill('SIGKILL');
    if (!dir) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  });
  let removed = false;
  return {
    url,
    pid: child.pid,
    port: Number(new URL(url).port),
    dir: dataDir,
    output: () => output,
    // Ends this process (SIGTERM by default, SIGKILL for a crash) and waits for it.
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    // Stops the process and removes the data dir it was started with (unless the caller's).
    async dispose() {
      await this.stop('SIGKILL');
      if (!dir && !removed) {
        removed = true;
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

async function call(url, method, p, { body, token } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

// Registers `username` (once) and logs in; returns the token response.
export async function login(url, username, password = 'correct horse battery') {
  const reg = await call(url, 'POST', '/v1/users', { body: { username, password } });
  if (reg.status !== 201 && reg.status !== 409) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.json)}`);
  const res = await call(url, 'POST', '/v1/login', { body: { username, password } });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

export async function logout(url, accessToken) {
  const res = await call(url, 'POST', '/v1/logout', { token: accessToken });
  if (res.status !== 204) throw new Error(`logout: ${res.status} ${JSON.stringify(res.json)}`);
}

export async function logoutAll(url, accessToken) {
  const res = await call(url, 'POST', '/v1/logout-all', { token: accessToken });
  if (res.status !== 204) throw new Error(`logout-all: ${res.status} ${JSON.stringify(res.json)}`);
}

// A fixed issuer, so that a restart on another address keeps the tokens' iss (jwtd's default
// issuer is its listen address). The verifier reaches jwtd at its real URL through `url`.
export const ISSUER = 'https://issuer.jwtd.test';

export const quietLogger = () => {
  const lines = [];
  return { lines, warn: (m) => lines.push(m), info: (m) => lines.push(m) };
};

// Polls `probe` (async, returns truthy when done) every few ms for at most `ms`.
export async function waitFor(probe, ms, what) {
  const start = performance.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (performance.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

// The reason verify() gives for `token`, or 'valid'.
export async function outcome(verifier, token) {
  try {
    await verifier.verify(token);
    return 'valid';
  } catch (e) {
    if (e?.name !== 'VerificationError') throw e;
    return e.reason;
  }
}
