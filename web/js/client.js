// One fetch wrapper for every call the page makes. `cookies: false` sends no cookie at all
// (credentials: 'omit'): the lab's subject sessions must never carry this tab's refresh cookie.
// `via` sends through another fetch, the session client's (it adds this tab's access token).

const STATUS_TEXT = {
  0: 'no answer', 200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request',
  401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
  429: 'Too Many Requests', 503: 'Service Unavailable',
};

export async function call(method, path, { bearer, json, form, cookies = true, via = fetch } = {}) {
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
  let res;
  try {
    res = await via(path, {
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
