// HTTP benchmark with wrk: the same Express app with @jwtd/verifier's middleware and with
// jose.jwtVerify (signature and claims only, no revocation), and with no verification at all
// (the ceiling), against a real jwtd, interleaved runs. Prints the median req/s of each and the
// ratio verifier / jose (target >= 90 %).
// Usage: node bench/http.mjs <path/to/jwtd> [runs=5] [seconds=3]
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [bin, runsArg = '5', secondsArg = '3'] = process.argv.slice(2);
if (!bin) throw new Error('usage: node bench/http.mjs <path/to/jwtd> [runs] [seconds]');
const WRK = process.env.WRK ?? '/usr/bin/wrk';
if (!existsSync(WRK)) throw new Error(`wrk not found at ${WRK} (apt-get install wrk)`);
process.env.JWTD_VERIFIER_TEST_BIN = bin;
const { FEED, ISSUER, login, startJwtd } = await import('../test/jwtd.mjs');

const jwtd = await startJwtd({ settings: [`tokens.issuer=${ISSUER}`] });
const apps = [];
try {
  const { access_token: token } = await login(jwtd.url, 'bench-user');
  const start = (mode) => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./http_app.mjs', import.meta.url))], {
      env: { ...process.env, MODE: mode, ISSUER, JWTD_URL: jwtd.url, FEED_ID: FEED.clientId, FEED_SECRET: FEED.clientSecret },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    apps.push(child);
    child.stdout.on('data', (d) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve(`http://127.0.0.1:${m[1]}/me`);
    });
    child.once('exit', (code) => reject(new Error(`${mode} app exited (${code})`)));
  });
  const urls = { verifier: await start('verifier'), jose: await start('jose'), none: await start('none') };
  const wrk = (url, seconds) => new Promise((resolve, reject) => {
    execFile(WRK, ['-t1', '-c16', `-d${seconds}s`, '-H', `Authorization: Bearer ${token}`, url],
      { timeout: (seconds + 10) * 1000 }, (err, out) => {
        if (err) return reject(err);
        const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
        const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
        if (!rps || non2xx) return reject(new Error(`wrk: ${non2xx ? 'non-2xx answers' : 'no rate'}\n${out}`));
        resolve(Number(rps[1]));
      });
  });
  for (const url of Object.values(urls)) await wrk(url, 1);  // warm-up (JIT, caches)
  const results = { verifier: [], jose: [], none: [] };
  for (let run = 0; run < Number(runsArg); run++) {
    for (const mode of run % 2 ? ['none', 'jose', 'verifier'] : ['verifier', 'jose', 'none']) {
      results[mode].push(await wrk(urls[mode], Number(secondsArg)));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const v = median(results.verifier);
  const j = median(results.jose);
  const n = median(results.none);
  const all = (m) => results[m].map(Math.round).join(' ');
  console.log(`wrk -t1 -c16, ${runsArg} runs of ${secondsArg} s each, medians (runs: verifier ${all('verifier')}; jose ${all('jose')}; none ${all('none')})`);
  console.log(`Express + expressMiddleware(verifier)  ${Math.round(v)} req/s`);
  console.log(`Express + jose.jwtVerify (baseline)    ${Math.round(j)} req/s`);
  console.log(`Express, no verification (ceiling)     ${Math.round(n)} req/s`);
  console.log(`ratio ${(100 * v / j).toFixed(0)} % (target >= 90 %)`);
  process.exitCode = v >= 0.9 * j ? 0 : 1;
} finally {
  for (const a of apps) a.kill('SIGKILL');
  await jwtd.dispose();
}
