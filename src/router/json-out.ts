/**
 * JSON bytes written straight into one reused buffer, for `router --json` (report.ts): the
 * report's frame (its keys, the documents and their keys) and the records of the big lists,
 * which the conntrack writer (conntrack/json.ts) writes from the parser's scan without making an
 * object per record. Everything else (a diagnostic, a Junos flow) goes through the reports' one
 * piece-wise JSON writer (../report/json-pieces.ts) and is indented here to its depth.
 *
 * The bytes are those of JSON.stringify(value, null, 2): a member at depth d starts on its own line
 * indented by 2·d spaces, `"key": value`, members joined by `,`; an empty array or object is `[]` /
 * `{}`. The buffer is handed out (`take`) whenever it holds about CHUNK bytes; a writer checks
 * `full()` between records and yields.
 */
import { jsonChunks, putUint31 } from "../report/json-pieces.js";

/** Bytes gathered before a chunk is handed out (64 KiB). */
export const CHUNK = 1 << 16;

const ENC = new TextEncoder();

/** Strings whose JSON bytes are remembered (state words, flags, file names repeat on every record). */
const STRING_CACHE = 1024;

export class JsonOut {
  buf: Uint8Array = new Uint8Array(CHUNK + 4096);
  pos = 0;
  private readonly strings = new Map<string, Uint8Array>();
  private readonly pads: Uint8Array[] = [];
  private readonly keys = new Map<string, Uint8Array>();

  /** Whether a chunk is ready (take it before writing on). */
  full(): boolean {
    return this.pos >= CHUNK;
  }

  /** The bytes gathered so far (a view valid until the next write), and start afresh. */
  take(): Uint8Array {
    const c = this.buf.subarray(0, this.pos);
    this.pos = 0;
    return c;
  }

  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const more = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    more.set(this.buf.subarray(0, this.pos));
    this.buf = more;
  }

  byte(b: number): void {
    if (this.pos === this.buf.length) this.room(1);
    this.buf[this.pos++] = b;
  }

  /** Constant bytes. */
  seg(a: Uint8Array): void {
    if (this.pos + a.length > this.buf.length) this.room(a.length);
    // (set() beat a loop by hand even on short segments: 0.72 against 0.90 s CPU, 10^5 lines)
    this.buf.set(a, this.pos);
    this.pos += a.length;
  }

  /** A line break and the indentation of depth d. */
  pad(d: number): void {
    this.seg(this.pads[d] ??= ENC.encode("\n" + "  ".repeat(d)));
  }

  /** `,` unless `first`, then the line break and indentation of depth d, then `"key": `. */
  key(first: boolean, d: number, key: string): void {
    this.seg(this.keySeg(first, d, key));
  }

  /** The bytes of `key` (see there), made once. */
  keySeg(first: boolean, d: number, key: string): Uint8Array {
    const id = `${first ? "" : ","}${d}:${key}`;
    let b = this.keys.get(id);
    if (b === undefined) this.keys.set(id, (b = ENC.encode(`${first ? "" : ","}\n${"  ".repeat(d)}${JSON.stringify(key)}: `)));
    return b;
  }

  /** A non-negative integer or any other number, as JSON.stringify writes it. */
  num(n: number): void {
    if (n >= 0 && n < 2147483648 && (n | 0) === n) {
      this.room(10);
      this.pos = putUint31(this.buf, this.pos, n);
      return;
    }
    this.seg(ENC.encode(JSON.stringify(n)));
  }

  /** A JSON string (quoted, escaped as JSON.stringify does, UTF-8). */
  str(s: string): void {
    let b = this.strings.get(s);
    if (b === undefined) {
      if (this.strings.size >= STRING_CACHE) this.strings.clear();
      this.strings.set(s, (b = ENC.encode(JSON.stringify(s))));
    }
    this.seg(b);
  }

  /** Code units codes[s, e) known to need no escaping (printable ASCII without `"` or `\`), unquoted. */
  ascii(codes: ArrayLike<number>, s: number, e: number): void {
    this.room(e - s);
    const buf = this.buf;
    let p = this.pos;
    for (let k = s; k < e; k++) buf[p++] = codes[k]!;
    this.pos = p;
  }

  /** A JSON string without its quotes (remembered as str's are). */
  inner(s: string): void {
    const key = "\u0000" + s;
    let b = this.strings.get(key);
    if (b === undefined) {
      if (this.strings.size >= STRING_CACHE) this.strings.clear();
      const j = JSON.stringify(s);
      this.strings.set(key, (b = ENC.encode(j.slice(1, -1))));
    }
    this.seg(b);
  }

  /**
   * Code units codes[s, e) as a JSON string when they need no escaping (printable ASCII without
   * `"` or `\`); false (nothing written) otherwise.
   */
  plain(codes: ArrayLike<number>, s: number, e: number): boolean {
    this.room(e - s + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 34;
    for (let k = s; k < e; k++) {
      const c = codes[k]!;
      if (c < 32 || c > 126 || c === 34 || c === 92) return false;
      buf[p++] = c;
    }
    buf[p++] = 34;
    this.pos = p;
    return true;
  }

  /**
   * Any value as JSON.stringify(value, null, 2) writes it, indented to depth d (the piece-wise
   * writer's bytes, each line break followed by d levels of indentation; a line break inside JSON
   * text is always structural: strings escape theirs).
   */
  value(v: unknown, d: number): void {
    switch (typeof v) {
      case "string": this.seg(ENC.encode(JSON.stringify(v))); return;
      case "number": this.num(v); return;
      case "boolean": this.seg(ENC.encode(v ? "true" : "false")); return;
    }
    if (v === null) {
      this.seg(ENC.encode("null"));
      return;
    }
    const pad = (this.pads[d] ??= ENC.encode("\n" + "  ".repeat(d)));
    // (a small buffer: values written this way are records, not reports)
    for (const c of jsonChunks(v, { indent: 2, chunk: 4096 })) {
      this.room(c.length);
      let from = 0;
      for (let k = c.indexOf(10); k >= 0; k = c.indexOf(10, k + 1)) {
        this.seg(c.subarray(from, k));
        this.seg(pad);
        from = k + 1;
      }
      this.seg(c.subarray(from));
    }
  }
}

/** A member value JSON.stringify writes (not undefined, a function or a symbol). */
export function hasJson(v: unknown): boolean {
  return v !== undefined && typeof v !== "function" && typeof v !== "symbol";
}
