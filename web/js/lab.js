// The four logout strategies as experiments. Each one signs in a fresh *subject* session in body
// mode (its refresh token comes back in the JSON, so the lab can replay it — this tab's own
// refresh token is in an HttpOnly cookie no script can read), applies the strategy, then replays
// the subject's old access token (GET /v1/me) and old refresh token (POST /oauth/token).
// Subject calls send no cookies, so they never touch this tab's own session. When the server
// requires DPoP (a bearer call is refused there, whatever the strategy), each subject holds a key
// pair of its own and its login, refresh and every call with its access token carry a proof by
// it: the replays then show what the strategy did, not the missing proof (section 6 shows a copy
// replayed without the key).
import { call, describe } from './client.js';
import { decodeJwt } from './jwt.js';

let credentials = null;  // { username, password }: in memory only, to start subject sessions
let config = null;       // GET /v1/lab
let subjectKeys = null;  // with DPoP required: makes a subject's key holder (dpop.js keyHolder)
const timers = new Map();

export function setCredentials(username, password) { credentials = { username, password }; }
export function forgetCredentials() { credentials = null; }
export function setConfig(c) { config = c; }
export function bindSubjects(makeKeyHolder) { subjectKeys = makeKeyHolder; }

// `token`: the subject's access token, as a bearer token, or under DPoP with a proof by the
// subject's key when it has one. `proof`: login and refresh, which take a proof but no token.
// The logout by refresh token and the revocation take no proof: they go as before.
function subjectCall(subject, method, path, { token, proof = Boolean(token), ...options } = {}) {
  const via = subject.key && proof ? subject.key.via(token) : undefined;
  return call(method, path, { ...options, cookies: false, ...(via ? { via } : { bearer: token }) });
}

// What this server's settings predict: 'accepted' or 'refused' for each replay.
export function expectations(kind, strategies) {
  const { denylist, version } = strategies;
  switch (kind) {
    case 'soft': return { access: 'accepted', refresh: 'accepted' };
    // Logout ends the session; with the denylist its sid is refused too.
    case 'logout': return { access: denylist ? 'refused' : 'accepted', refresh: 'refused' };
    // Revoking one access token leaves the session, and so its refresh token, alive.
    case 'denylist': return { access: denylist ? 'refused' : 'accepted', refresh: 'accepted' };
    case 'everywhere':
      return { access: denylist || version ? 'refused' : 'accepted', refresh: 'refused' };
    default: throw new Error(`unknown strategy ${kind}`);
  }
}

const ACTIONS = {
  soft: async () => ({ text: 'Nothing sent: the client just dropped both tokens.' }),
  logout: async (s) => {
    const r = await subjectCall(s, 'POST', '/v1/logout', { json: { refresh_token: s.refresh } });
    return { text: `POST /v1/logout → ${describe(r)}`, r };
  },
  denylist: async (s) => {
    const r = await subjectCall(s, 'POST', '/oauth/revoke',
      { form: { token: s.access, token_type_hint: 'access_token' } });
    return { text: `POST /oauth/revoke (the access token) → ${describe(r)}`, r };
  },
  everywhere: async (s) => {
    const r = await subjectCall(s, 'POST', '/v1/logout-all', { token: s.access });
    return { text: `POST /v1/logout-all → ${describe(r)}`, r };
  },
};

function explainExpectation(kind, strategies) {
  const e = expectations(kind, strategies);
  const on = (name) => (strategies[name] ? 'on' : 'off');
  const why = {
    soft: 'the server was never told.',
    logout: strategies.denylist
      ? 'the denylist is on here, so the ended session’s access tokens are refused at once.'
      : 'the denylist is off here, so the access token keeps working until exp.',
    denylist: strategies.denylist
      ? 'the denylist is on here.'
      : 'the denylist is OFF here: this server cannot revoke a single access token.',
    everywhere: `the token version is ${on('version')} and the denylist ${on('denylist')} here.`,
  }[kind];
  return `Expected on this server: old access token ${e.access}, old refresh token ${e.refresh} — ${why}`;
}

export function renderExpectations(root) {
  if (!config) return;
  for (const card of root.querySelectorAll('[data-run]')) {
    const kind = card.dataset.run;
    card.closest('.strategy').querySelector('.expect').textContent =
      explainExpectation(kind, config.strategies);
  }
}

export function line(dl, term, value, verdict) {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  if (verdict) {
    const tag = document.createElement('span');
    tag.className = `verdict ${verdict}`;
    tag.textContent = verdict;
    dd.append(tag, ' ');
  }
  dd.append(value);
  dl.append(dt, dd);
  return dd;
}

function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// Live "still accepted for m:ss" until exp + leeway (RFC 7519 §4.1.4 allows the clock skew).
function countdown(kind, dd, subject) {
  clearInterval(timers.get(kind));
  const until = (subject.claims.exp + (config?.tokens?.leeway_seconds ?? 0)) * 1000;
  const span = document.createElement('span');
  span.className = 'countdown';
  dd.append(' ', span);
  const tick = () => {
    const left = (until - Date.now()) / 1000;
    span.textContent = left > 0
      ? `— a thief holding it${subject.key ? ' and the key' : ''} can use it for ${clock(left)} more (exp + ${config?.tokens?.leeway_seconds ?? 0} s leeway)`
      : '— past exp + leeway now: replay it again to see the refusal';
    if (left <= 0) clearInterval(timers.get(kind));
  };
  tick();
  timers.set(kind, setInterval(tick, 1000));
}

async function replayAccess(subject) {
  const r = await subjectCall(subject, 'GET', '/v1/me', { token: subject.access });
  return { r, verdict: r.ok ? 'accepted' : 'refused' };
}

function renderAccess(kind, dd, subject, replay) {
  dd.replaceChildren();
  const tag = document.createElement('span');
  tag.className = `verdict ${replay.verdict}`;
  tag.textContent = replay.verdict;
  dd.append(tag, ` ${describe(replay.r)}`);
  dd.closest('.result').dataset.access = replay.verdict;
  if (replay.verdict === 'accepted') countdown(kind, dd, subject);
  else clearInterval(timers.get(kind));
}

// Runs one experiment and renders it into `card`. Returns a summary (also set as data-*).
export async function run(kind, card, { afterAction } = {}) {
  const out = card.querySelector('.result');
  out.replaceChildren();
  delete out.dataset.access;
  delete out.dataset.refresh;
  if (!credentials) {
    out.textContent = 'Sign in with your password first: the lab needs it to start a subject session.';
    return null;
  }
  out.textContent = 'Signing in a subject session…';
  const subject = { key: subjectKeys ? await subjectKeys() : null };
  const login = await subjectCall(subject, 'POST', '/v1/login', { json: { ...credentials }, proof: true });
  if (!login.ok) {
    out.textContent = `Could not start a subject session: ${describe(login)}`;
    return null;
  }
  Object.assign(subject, { access: login.data.access_token, refresh: login.data.refresh_token });
  subject.claims = decodeJwt(subject.access).claims;
  const action = await ACTIONS[kind](subject);
  const access = await replayAccess(subject);
  const refresh = await subjectCall(subject, 'POST', '/oauth/token',
    { form: { grant_type: 'refresh_token', refresh_token: subject.refresh }, proof: true });
  const refreshVerdict = refresh.ok ? 'accepted' : 'refused';

  const dl = document.createElement('dl');
  const jkt = subject.claims.cnf?.jkt;
  line(dl, 'Subject session', `sid ${subject.claims.sid.slice(0, 8)}…, signed in just now${jkt
    ? `, bound to a DPoP key of its own (jkt ${jkt.slice(0, 10)}…): the replays carry proofs by that key` : ''}`);
  line(dl, 'Strategy applied', action.text);
  const accessDd = line(dl, 'Replay: old access token → GET /v1/me', '');
  line(dl, 'Replay: old refresh token → POST /oauth/token',
    refresh.ok ? `${describe(refresh)}: the server issued a brand-new token pair — the session lives on`
      : describe(refresh), refreshVerdict);
  out.replaceChildren(dl);
  out.dataset.refresh = refreshVerdict;
  renderAccess(kind, accessDd, subject, access);

  const again = document.createElement('button');
  again.type = 'button';
  again.className = 'secondary small';
  again.textContent = 'Replay the old access token again';
  again.addEventListener('click', async () => {
    renderAccess(kind, accessDd, subject, await replayAccess(subject));
  });
  out.append(again);

  if (config) {
    const e = expectations(kind, config.strategies);
    const matches = e.access === access.verdict && e.refresh === refreshVerdict;
    const p = document.createElement('p');
    p.className = matches ? 'match' : 'mismatch';
    p.textContent = matches ? 'As this server’s settings predict.'
      : `Differs from the prediction (access ${e.access}, refresh ${e.refresh}).`;
    out.append(p);
  }
  if (afterAction) await afterAction(out);
  subject.refresh = null;  // a replayed refresh token has done its job
  return { access: access.verdict, refresh: refreshVerdict };
}
