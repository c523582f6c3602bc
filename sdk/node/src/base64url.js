// Strict unpadded base64url (RFC 7515 §2, RFC 4648 §5): only the URL-safe alphabet, no padding
// or whitespace, no length of the form 4k+1, and canonical (the unused low bits of the last
// character are zero), so one byte string has exactly one accepted spelling, as in jwtd.
// Buffer.from(s, 'base64url') alone would accept all of these. Pure; thread-safe.

const ALPHABET = /^[A-Za-z0-9_-]*$/;
const SEXTET = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) {
  SEXTET[c.charCodeAt(0)] = i;
}

// The decoded bytes, or null when `text` is not strict base64url.
export function decodeStrict(text) {
  const rem = text.length % 4;
  if (rem === 1 || !ALPHABET.test(text)) return null;
  if (rem !== 0) {
    const last = SEXTET[text.charCodeAt(text.length - 1)];
    // 2 characters carry 1 byte (4 spare bits), 3 characters carry 2 bytes (2 spare bits).
    const spare = rem === 2 ? 0x0f : 0x03;
    if ((last & spare) !== 0) return null;
  }
  return Buffer.from(text, 'base64url');
}
