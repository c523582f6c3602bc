// Wires the page to the session (session.js), the lab (lab.js), the trade-off table and, when
// the server takes DPoP proofs, the copied-token experiment (dpop.js).
import { describe } from './client.js';
import * as dpop from './dpop.js';
import * as lab from './lab.js';
import * as session from './session.js';
import * as tradeoffs from './tradeoffs.js';

const $ = (id) => document.getElementById(id);
let expiryTimer = null;
let dpopServer = null;  // the server's DPoP settings (its metadata), null when DPoP is off
let dpopShown = null;   // settles once the metadata is read: the experiments depend on the mode

function say(id, text) { $(id).textContent = text; }

function clock(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function showToken(state) {
  $('token-header').textContent = state ? JSON.stringify(state.header, null, 2) : '(signed out)';
  if (!state) {
    $('token-claims').textContent = '(signed out)';
    return;
  }
  const c = state.claims;
  const when = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
  const notes = { exp: `  // ${when(c.exp)}`, iat: `  // ${when(c.iat)}`, nbf: `  // ${when(c.nbf)}` };
  $('token-claims').textContent = JSON.stringify(c, null, 2).split('\n')
    .map((l) => { const k = /^\s+"(\w+)":/.exec(l)?.[1]; return notes[k] ? l + notes[k] : l; })
    .join('\n');
}

function tickExpiry() {
  const s = session.state();
  if (!s) return;
  say('expires-in', `${clock(s.expiresAt - Date.now())} (exp ${new Date(s.claims.exp * 1000).toLocaleTimeString()})`);
  say('next-refresh', Date.now() < s.refreshAt ? `in ${clock(s.refreshAt - Date.now())}` : 'now');
}

function render(state, message) {
  $('signin-form').hidden = state !== null;
  $('signed-in').hidden = state === null;
  if (message) say('account-status', message);
  showToken(state);
  clearInterval(expiryTimer);
  if (state) {
    say('who', state.username);
    say('token-preview', state.preview);
    say('refresh-count', String(state.refreshes));
    const jkt = state.claims.cnf?.jkt;
    say('token-binding', jkt ? `this browser’s DPoP key (jkt ${jkt.slice(0, 10)}…): useless without it`
      : 'nothing: a bearer token, good for whoever holds a copy');
    tickExpiry();
    expiryTimer = setInterval(tickExpiry, 1000);
  } else {
    lab.forgetCredentials();
    $('session-rows').replaceChildren(row(['(signed out)'], 5));
  }
}

function row(cells, span) {
  const tr = document.createElement('tr');
  for (const text of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    if (span) td.colSpan = span;
    tr.append(td);
  }
  return tr;
}

const time = (t) => (t ? new Date(t * 1000).toLocaleString() : '—');

async function listSessions(note = '') {
  if (!session.signedIn()) return;
  const r = await session.sessions();
  if (!r.ok) {
    say('sessions-status', `Could not list sessions: ${describe(r)}`);
    return;
  }
  const list = Array.isArray(r.data) ? r.data : r.data.sessions ?? [];
  const trs = list.map((s) => {
    const tr = row([`${String(s.id).slice(0, 8)}…${s.current ? ' (this tab)' : ''}`,
      time(s.created_at), time(s.last_used_at), s.user_agent || '—']);
    tr.dataset.sessionId = s.id;
    if (s.current) tr.className = 'current';
    const td = document.createElement('td');
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'secondary small';
    b.textContent = s.current ? 'Sign out this device' : 'Sign out that device';
    b.setAttribute('aria-label', `Sign out session ${String(s.id).slice(0, 8)}${s.current ? ' (this tab)' : ''}`);
    b.addEventListener('click', () => endSession(s));
    td.append(b);
    tr.append(td);
    return tr;
  });
  $('session-rows').replaceChildren(...(trs.length ? trs : [row(['no live session'], 5)]));
  say('sessions-status', `${note}${list.length} live session${list.length === 1 ? '' : 's'}.`);
}

async function endSession(s) {
  if (s.current) {
    await session.logout();
    return;
  }
  const r = await session.endSession(s.id);
  const short = String(s.id).slice(0, 8);
  await listSessions(r.ok ? `Signed out session ${short}…: its refresh token is revoked. `
    : `Could not end session ${short}…: ${describe(r)}. `);
}

async function signIn(register) {
  const username = $('username').value.trim();
  const password = $('password').value;
  if (!username || password.length < 8) {
    say('account-status', 'Enter a username and a password of at least 8 characters.');
    return;
  }
  say('account-status', register ? 'Creating the account…' : 'Signing in…');
  const options = dpopServer ? { dpop: $('use-dpop').checked } : {};
  const r = register ? await session.register(username, password, options) : await session.login(username, password, options);
  if (!r.ok) {
    say('account-status', `${register ? 'Registration' : 'Sign-in'} failed: ${describe(r)}`);
    return;
  }
  $('password').value = '';  // no secret left in the DOM
  lab.setCredentials(username, password);
  await listSessions();
}

async function reloadTradeoffs() {
  const data = await tradeoffs.load();
  if (!data.lab) {
    $('tradeoff-rows').replaceChildren(row(['GET /v1/lab is not available on this server.'], 6));
    return;
  }
  lab.setConfig(data.lab);
  lab.renderExpectations(document);
  const s = data.lab.strategies;
  say('lab-config', `This server: denylist ${s.denylist ? 'on' : 'off'}, token version ${s.version ? 'on' : 'off'}, access tokens live ${data.lab.tokens.access_ttl_seconds} s (+ ${data.lab.tokens.leeway_seconds} s leeway).`);
  $('tradeoff-rows').replaceChildren(...tradeoffs.rows(data).map((cells) => {
    const tr = row(cells.slice(1));
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = cells[0];
    tr.prepend(th);
    return tr;
  }));
  say('measured', tradeoffs.measured(data));
}

async function runStrategy(button) {
  const kind = button.dataset.run;
  const card = button.closest('.strategy');
  button.disabled = true;
  try {
    await dpopShown;  // with DPoP required the subjects need keys: know the mode first
    await lab.run(kind, card, {
      // Logout everywhere reaches this tab's session too: ask the server whether it survived.
      afterAction: kind === 'everywhere' ? async (out) => {
        const r = await session.check();
        if (!r) return;
        const p = document.createElement('p');
        p.className = 'own';
        p.textContent = r.ok ? 'This tab’s own access token: still accepted.'
          : `This tab’s own access token: refused too (${describe(r)}) — you are signed out here as well.`;
        out.append(p);
      } : undefined,
    });
  } finally {
    button.disabled = false;
  }
  await Promise.all([listSessions(), reloadTradeoffs()]);
}

// DPoP on here: the sign-in choice, the binding fact and the experiment of section 6.
function showDpop(server) {
  dpopServer = server;
  if (!server) return;
  for (const el of document.querySelectorAll('.dpop-only')) el.hidden = false;
  $('dpop-choice').hidden = false;
  $('dpop').hidden = false;
  const box = $('use-dpop');
  if (!server.algs.includes('ES256')) {
    box.checked = false;
    box.disabled = true;
    say('dpop-choice-hint', `This browser signs proofs with ES256, which this server does not take (${server.algs.join(', ')}).`);
  } else if (server.mode === 'required') {
    box.checked = true;
    box.disabled = true;
    say('dpop-choice-hint', 'Required by this server: a sign-in without a proof is refused.');
  }
  say('dpop-config', `This server: DPoP ${server.mode}, proofs signed with ${server.algs.join(' or ')}, server nonces ${server.nonce ? 'required' : 'off'}.`);
  // The experiments: bearer subject sessions unless bearer tokens are refused here.
  if (server.mode === 'required') lab.bindSubjects(dpop.keyHolder);
  $('lab-dpop').hidden = false;
  $('lab-dpop').dataset.mode = server.mode;
  say('lab-dpop', server.mode === 'required'
    ? 'DPoP required here: bearer tokens are refused, so each subject session is bound to a key pair of its own (in memory, not extractable), and its sign-in, refresh and every call with its access token carry a proof by that key.'
    : `DPoP ${server.mode} here: the subject sessions sign in without a proof (bearer tokens); section 6 shows what a key changes.`);
}

async function replayCopiedToken(button) {
  button.disabled = true;
  try {
    await dpop.replay($('dpop-result'), { token: session.copyToken(), claims: session.state()?.claims, me: session.me });
  } finally {
    button.disabled = false;
  }
  reloadTradeoffs();  // the refusals now show in the figures
}

function wire() {
  session.onChange(render);
  $('signin-form').addEventListener('submit', (e) => { e.preventDefault(); signIn(false); });
  $('register').addEventListener('click', () => signIn(true));
  $('call-me').addEventListener('click', async () => {
    const r = await session.me();
    $('me-result').textContent = r.ok
      ? `GET /v1/me → ${describe(r)}: ${r.data.username} (sub ${r.data.sub}, ver ${r.data.ver})`
      : `GET /v1/me → ${describe(r)}`;
    $('me-result').dataset.status = String(r.status);
    reloadTradeoffs();  // the latency figures now include this call
  });
  $('refresh-now').addEventListener('click', () => session.refresh('manual'));
  $('signout').addEventListener('click', () => session.logout());
  $('list-sessions').addEventListener('click', () => listSessions());
  $('reload-tradeoffs').addEventListener('click', reloadTradeoffs);
  for (const b of document.querySelectorAll('[data-run]')) b.addEventListener('click', () => runStrategy(b));
  $('dpop-replay').addEventListener('click', (e) => replayCopiedToken(e.currentTarget));
}

wire();
reloadTradeoffs();
dpopShown = dpop.detect().then(showDpop, () => showDpop(null));
session.resume().then(() => listSessions());
document.body.dataset.ready = 'true';
