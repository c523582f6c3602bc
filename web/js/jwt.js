// Decoding (not verifying) a JWS compact token, for display only. RFC 7515 §7.1: three
// base64url parts; the header and payload are UTF-8 JSON. The signature is never checked here:
// only the server, holding the key, can do that.

function decodePart(part) {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

export function decodeJwt(token) {
  const parts = String(token).split('.');
  if (parts.length !== 3) throw new Error('not a JWS compact token');
  return { header: decodePart(parts[0]), claims: decodePart(parts[1]) };
}

// What the page may show of a token: its first characters (the start of the public header) and
// its length. The whole token is a bearer credential and never enters the DOM.
export function preview(token) {
  return `${String(token).slice(0, 10)}… (${token.length} characters, held in memory only)`;
}
