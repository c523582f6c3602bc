// One fetch wrapper for every call the page makes. `cookies: false` sends no cookie at all
// (credentials: 'omit'): the lab's subject sessions must never carry this tab's refresh cookie.

const STATUS_TEXT = {
  0: 'no answer', 200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request',
  401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
  429: 'Too Many Requests', 503: 'Service Unavailable',
};

function readCookie(name) {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1));
  }
  return null;
}

// The readable CSRF cookie (api.md "Cookie mode"): __Host-jwtd_csrf when the server's cookies are
// Secure (the usual case, https and http://localhost alike), jwtd_csrf when they are not
// (server.cookie_secure = never, or auto on plain HTTP). The __Host- one wins: it is the one a
// Secure deployment checks, and nobody but this origin can have set it.
export function csrfCookie() {
  return readCookie('__Host-jwtd_csrf') ?? readCookie('jwtd_csrf');
}

export async function call(method, path, { bearer, json, form, csrf = false, cookies = true } = {}) {
  const headers = { Accept: 'application/json' };
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  // api.md signed double-submit CSRF check: echo the readable CSRF cookie (bound to the refresh
  // token, it changes with every rotation, so it is read fresh for each request).
  if (csrf) {
    const value = csrfCookie();
    if (value) headers['X-CSRF-Token'] = value;
  }
  let res;
  try {
    res = await fetch(path, {
      method, headers, body, cache: 'no-store', credentials: cookies ? 'same-origin' : 'omit',
    });
  } catch (e) {
    return { status: 0, ok: false, data: null, error: 'network_error', description: e.message };
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  return {
    status: res.status,
    ok: res.ok,
    data,
    error: data && typeof data === 'object' ? data.error ?? null : null,
    description: data && typeof data === 'object' ? data.error_description ?? '' : '',
  };
}

// "401 Unauthorized — invalid_token: token revoked"
export function describe(r) {
  const head = `${r.status} ${STATUS_TEXT[r.status] ?? ''}`.trim();
  if (!r.error) return head;
  return `${head} — ${r.error}${r.description ? `: ${r.description}` : ''}`;
}
