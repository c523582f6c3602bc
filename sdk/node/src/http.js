// HTTP for the verifier: bounded JSON GETs (metadata, JWKS, feed pages) and the long-lived
// event-stream GET. Every read has a timeout and a size limit; redirects are not followed (a
// feed client's credentials go only where they were configured to go).
import http from 'node:http';
import https from 'node:https';

export class HttpError extends Error {
  constructor(url, status, message) {
    super(`${message ?? `HTTP ${status}`} from ${url}`);
    this.name = 'HttpError';
    this.status = status;
  }
}

function transport(url) {
  if (url.protocol === 'https:') return https;
  if (url.protocol === 'http:') return http;
  throw new Error(`unsupported URL scheme ${url.protocol}`);
}

// GET `url` expecting 200 and JSON; resolves { json, headers }. Rejects with HttpError for any
// other status, a body over maxBytes, or no answer within timeoutMs.
export function getJson(url, { headers = {}, timeoutMs = 5000, maxBytes = 16 << 20, agent } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = transport(u).get(u, { headers: { accept: 'application/json', ...headers }, agent,
      timeout: timeoutMs }, (res) => {
      const chunks = [];
      let size = 0;
      res.on('data', (c) => {
        size += c.length;
        if (size > maxBytes) req.destroy(new HttpError(url, res.statusCode, 'response too large'));
        else chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(deadline);
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          let code = '';
          try { code = `: ${JSON.parse(body).error}`; } catch { /* not JSON */ }
          return reject(new HttpError(url, res.statusCode, `HTTP ${res.statusCode}${code}`));
        }
        try {
          resolve({ json: JSON.parse(body), headers: res.headers });
        } catch {
          reject(new HttpError(url, res.statusCode, 'response is not JSON'));
        }
      });
      res.on('error', reject);
    });
    // `timeout` above is per socket inactivity; this bounds the whole exchange.
    const deadline = setTimeout(() => req.destroy(new HttpError(url, 0, 'timed out')), timeoutMs);
    req.on('timeout', () => req.destroy(new HttpError(url, 0, 'timed out')));
    req.on('error', (e) => { clearTimeout(deadline); reject(e); });
  });
}

// Opens a GET for a text/event-stream. Calls onOpen() once the 200 arrives, onText(text) per
// chunk, and onEnd(error | null) exactly once when the stream ends for any reason (including
// close()). The stream ends when nothing arrives for idleMs. Returns { close() }.
export function openEventStream(url, { headers = {}, idleMs, connectTimeoutMs = 5000, agent },
  { onOpen, onText, onEnd }) {
  const u = new URL(url);
  let ended = false;
  let idle = null;
  const finish = (err) => {
    if (ended) return;
    ended = true;
    clearTimeout(idle);
    req.destroy();
    onEnd(err);
  };
  const arm = (ms, why) => {
    clearTimeout(idle);
    idle = setTimeout(() => finish(new Error(why)), ms);
  };
  const req = transport(u).get(u, {
    headers: { accept: 'text/event-stream', 'cache-control': 'no-cache', ...headers }, agent,
  }, (res) => {
    const type = String(res.headers['content-type'] ?? '');
    if (res.statusCode !== 200 || !type.startsWith('text/event-stream')) {
      res.resume();
      return finish(new HttpError(url, res.statusCode,
        res.statusCode === 200 ? `unexpected content type ${type}` : undefined));
    }
    res.setEncoding('utf8');
    arm(idleMs, `no event for ${idleMs} ms`);
    onOpen();
    res.on('data', (text) => {
      if (ended) return;
      arm(idleMs, `no event for ${idleMs} ms`);
      try {
        onText(text);
      } catch (e) {
        finish(e);
      }
    });
    res.on('end', () => finish(new Error('stream ended')));
    res.on('error', finish);
    res.on('close', () => finish(new Error('stream closed')));
  });
  arm(connectTimeoutMs, `no answer in ${connectTimeoutMs} ms`);
  req.on('error', finish);
  return { close: () => finish(null) };
}

export function basicAuthorization(clientId, clientSecret) {
  // RFC 7617 §2 (and RFC 6749 §2.3.1's form-encoding of the parts, which jwtd expects).
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`;
}
