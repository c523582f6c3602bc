// A strict JSON reader for JOSE headers and claims sets. JSON.parse is not enough: it keeps the
// last of two members with the same name, where RFC 8725 §3.9 and RFC 7519 §4 require the token
// to be refused, and it cannot say whether a number was written as an integer, which jwtd's
// NumericDate and `ver` require (no fractions, no exponents). It also refuses what JSON.parse
// keeps but jwtd does not: a string (name or value) with an unpaired UTF-16 surrogate.
//
// parseObject(text) returns { value, integers } where `integers` is the set of top-level member
// names whose value was written as a plain integer, or throws SyntaxError. Pure; thread-safe.

const MAX_DEPTH = 64;
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

class Reader {
  constructor(text) {
    this.text = text;
    this.pos = 0;
  }

  fail(what) {
    throw new SyntaxError(`${what} at offset ${this.pos}`);
  }

  skipWhitespace() {
    WHITESPACE.lastIndex = this.pos;
    WHITESPACE.test(this.text);
    this.pos = WHITESPACE.lastIndex;
  }

  // A string literal; JSON.parse of its exact text decodes the escapes and refuses control
  // characters and bad escapes. It keeps an unpaired surrogate ("\ud800", or one left in the
  // text itself) as a lone UTF-16 code unit: refused, as jwtd refuses that JSON as invalid
  // UTF-8 (RFC 8259 §8.2), and such a string has no UTF-8 form (hashing the jti for the replay
  // cache would turn it into U+FFFD, one key for every lone surrogate).
  string() {
    const start = this.pos;
    let i = start + 1;
    const text = this.text;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c === 0x22) break;
      i += c === 0x5c ? 2 : 1;
    }
    const s = JSON.parse(text.slice(start, i + 1));
    if (!s.isWellFormed()) this.fail('unpaired UTF-16 surrogate in a string');
    this.pos = i + 1;
    return s;
  }

  // Returns the value; sets this.lastWasInteger for numbers written as plain integers.
  value(depth) {
    this.skipWhitespace();
    const c = this.text[this.pos];
    this.lastWasInteger = false;
    if (c === '{' || c === '[') {
      const v = c === '{' ? this.object(depth + 1, null) : this.array(depth + 1);
      this.lastWasInteger = false;
      return v;
    }
    if (c === '"') return this.string();
    if (c === 't' && this.text.startsWith('true', this.pos)) return (this.pos += 4), true;
    if (c === 'f' && this.text.startsWith('false', this.pos)) return (this.pos += 5), false;
    if (c === 'n' && this.text.startsWith('null', this.pos)) return (this.pos += 4), null;
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (m === null) this.fail('unexpected character');
    this.pos = NUMBER.lastIndex;
    this.lastWasInteger = INTEGER.test(m[0]);
    return Number(m[0]);
  }

  array(depth) {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.pos++;
    const out = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') return this.pos++, out;
    for (;;) {
      out.push(this.value(depth));
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === ']') return out;
      if (c !== ',') this.fail('expected , or ]');
    }
  }

  // `integers` (top level only) collects the names of members written as plain integers.
  object(depth, integers) {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.pos++;
    const out = {};
    const seen = new Set();
    this.skipWhitespace();
    if (this.text[this.pos] === '}') return this.pos++, out;
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('expected a member name');
      const name = this.string();
      if (seen.has(name)) this.fail(`duplicate member name ${JSON.stringify(name)}`);
      seen.add(name);
      this.skipWhitespace();
      if (this.text[this.pos++] !== ':') this.fail('expected :');
      const v = this.value(depth);
      // As JSON.parse does: a member named __proto__ is data, never the object's prototype.
      if (name === '__proto__') {
        Object.defineProperty(out, name, { value: v, writable: true, enumerable: true, configurable: true });
      } else {
        out[name] = v;
      }
      if (integers !== null && this.lastWasInteger) integers.add(name);
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === '}') return out;
      if (c !== ',') this.fail('expected , or }');
    }
  }
}

export function parseObject(text) {
  const reader = new Reader(text);
  reader.skipWhitespace();
  if (reader.text[reader.pos] !== '{') reader.fail('expected an object');
  const integers = new Set();
  const value = reader.object(1, integers);
  reader.skipWhitespace();
  if (reader.pos !== text.length) reader.fail('trailing characters');
  return { value, integers };
}
