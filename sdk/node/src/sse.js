// A Server-Sent Events parser (WHATWG HTML §9.2.6, "Interpreting an event stream"): feed it
// text as it arrives, get { type, data, id } per dispatched event. Only what jwtd's stream uses:
// event, data, id; retry and comments are ignored. A line or an event longer than maxBytes is a
// protocol error (bounded memory against a broken or hostile peer).

export class SseParser {
  constructor(onEvent, maxBytes = 1 << 20) {
    this.onEvent = onEvent;
    this.maxBytes = maxBytes;
    this.partial = '';  // an incomplete line
    this.skipLf = false;  // the last chunk ended in CR: a leading LF belongs to it
    this.reset();
  }

  reset() {
    this.type = '';
    this.data = [];
    this.dataBytes = 0;
    this.id = undefined;
  }

  push(text) {
    let start = 0;
    if (this.skipLf && text.charCodeAt(0) === 0x0a) start = 1;
    this.skipLf = false;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      const line = this.partial + text.slice(start, i);
      this.partial = '';
      if (c === 0x0d) {
        if (i + 1 === text.length) this.skipLf = true;
        else if (text.charCodeAt(i + 1) === 0x0a) i++;
      }
      start = i + 1;
      this.line(line);
    }
    this.partial += text.slice(start);
    if (this.partial.length > this.maxBytes) throw new Error('event stream line too long');
  }

  line(line) {
    if (line === '') return this.dispatch();
    if (line.charCodeAt(0) === 0x3a) return;  // comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'event') {
      this.type = value;
    } else if (field === 'data') {
      this.dataBytes += value.length + 1;
      if (this.dataBytes > this.maxBytes) throw new Error('event stream event too long');
      this.data.push(value);
    } else if (field === 'id') {
      if (!value.includes('\0')) this.id = value;
    }
  }

  dispatch() {
    if (this.data.length > 0 || this.type !== '') {
      this.onEvent({ type: this.type || 'message', data: this.data.join('\n'), id: this.id });
    }
    this.reset();
  }
}
