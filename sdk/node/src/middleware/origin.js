// What the adapters need to check a DPoP request: the absolute URL the client addressed. It is
// the configured `origin` plus the request's path, never built from the Host header: a client
// can send any Host, and a proof for another host must not pass here (RFC 9449 §4.3 step 9).

// `origin` (a string like 'https://api.example.com', or (req) => such a string) as a function
// of the request, or null when the adapter takes no DPoP requests.
export function originOf(origin) {
  if (origin === undefined || origin === null) return null;
  if (typeof origin === 'function') return (req) => checked(origin(req));
  const fixed = checked(origin);
  return () => fixed;
}

function checked(origin) {
  let u;
  try {
    u = new URL(origin);
  } catch {
    throw new TypeError('origin: an absolute http(s) origin such as https://api.example.com');
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.pathname !== '/' || u.search || u.hash ||
      u.username || u.password) {
    throw new TypeError('origin: scheme://host[:port] only (no path, query or credentials)');
  }
  return u.origin;
}

// The DPoP header's values as sent (one per header line), from Node's IncomingMessage.
export function dpopHeaderOf(raw) {
  return raw.headersDistinct?.dpop ?? raw.headers.dpop;
}
