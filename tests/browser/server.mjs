// Starts a real `jwtd serve` (the built binary) on an ephemeral port with a temporary data dir,
// and a headless Chromium driven by playwright-core. Everything here fails loudly: a missing
// binary, browser or banner is an error, never a skip.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.LAB_CHROMIUM || '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps calling home on a closed network.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync'];

export function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through ctest or tests/browser/run.sh)`);
  return value;
}

// Cheap Argon2id so sign-ins take milliseconds; the rest as given by `settings`.
export async function startJwtd(settings = []) {
  const bin = required('LAB_JWTD_BIN');
  if (!existsSync(bin)) throw new Error(`jwtd binary not found: ${bin}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'jwtd-browser-'));
  const args = ['serve', '--data-dir', dir, '--listen', '127.0.0.1:0',
    '--set', 'password.ops_limit=1', '--set', 'password.mem_limit_kib=64',
    '--set', 'log.level=warn',
    ...settings.flatMap((s) => ['--set', s])];
  // Hermetic: no JWTD_* variable of the caller's environment reaches the server.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('JWTD_')));
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`jwtd did not start in 20 s:\n${output}`)), 20000);
    const onData = (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`jwtd exited (${code}):\n${output}`)); });
  }).catch((e) => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  child.removeAllListeners('exit');
  return {
    url,
    output: () => output,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
