/**
 * JSON written in pieces, as UTF-8 bytes: the one piece-wise JSON writer of the reports
 * (`verify --json`, the `sessions` of `analyze --json`, `router --json`).
 *
 *   for (const chunk of jsonChunks(report, { indent: 2, newline: true })) out.write(chunk);
 *   // the chunks joined = Buffer.from(JSON.stringify(report, null, 2) + "\n")
 *
 * The value is walked here, member by member, with an explicit stack (no recursion, no
 * JSON.stringify): each string, number and key is encoded straight into one reused byte buffer,
 * handed out whenever it holds CHUNK bytes. So no text of the whole report exists, nor its UTF-16
 * form, nor a second copy made to encode it — a million-record router dump (1.7 GB of JSON) goes
 * out through 64 KiB. Memory: the buffer (it grows only to hold one long string) and one frame per
 * level of nesting.
 *
 * The bytes are those of JSON.stringify(value, null, indent) in UTF-8, in every case it defines:
 * members in Object.keys order; an object member whose value has no JSON (undefined, a function, a
 * symbol) left out, an array member without JSON — or a hole — written `null`; toJSON(key) called
 * (Date); Number/String/Boolean objects unwrapped; NaN and ±Infinity `null`, -0 `0`; strings
 * escaped as JSON.stringify does (`\"` `\\` `\b` `\f` `\n` `\r` `\t`, other controls and lone
 * surrogates `\u00xx`/`\udxxx`); a BigInt or a cycle throws a TypeError, as there.
 *
 * `lists` lets a member be written from an iterable instead of reading obj[key] — the router's lazy
 * record lists (src/router/lazy.ts), whose million records are made one at a time as they are
 * written and never held as an array.
 */

/** Bytes gathered before a chunk is handed out. */
export const JSON_CHUNK = 1 << 16;

/**
 * Code units of text gathered by Utf8Chunks before they are encoded: small enough that the
 * gathered text, two-byte when a reason holds "→", stays below V8's large-object size (128 KiB;
 * a piece of 2^16 units was a fresh mapping each, session 8's note in bench/PERFORMANCE-LOG.md).
 */
const PIECE = 1 << 14;

/**
 * Texts (the engine's JSON.stringify of small values, and the punctuation between them) turned
 * into UTF-8 chunks of about JSON_CHUNK bytes: gathered up to PIECE code units, then encoded with
 * TextEncoder.encodeInto into one reused buffer. A chunk is valid only while `write` runs. Used by
 * the writers that stringify a report a value at a time (sessions-json.ts, verify-json.ts).
 */
export class Utf8Chunks {
  private readonly enc = new TextEncoder();
  // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair: 4 for 2).
  private buf = new Uint8Array(JSON_CHUNK + PIECE * 3 + 16);
  private pos = 0;
  private text = "";

  constructor(private readonly write: (chunk: Uint8Array) => void) {}

  /** Appends `s`; encoded once PIECE code units are gathered. */
  add(s: string): void {
    this.text += s;
    if (this.text.length >= PIECE) this.encode();
  }

  /** Encodes what is gathered and hands every byte on (before anything else writes to the same sink). */
  flush(): void {
    this.encode();
    this.hand();
  }

  private encode(): void {
    const t = this.text;
    this.text = "";
    if (this.pos + t.length * 3 > this.buf.length) {
      this.hand();
      if (t.length * 3 > this.buf.length) this.buf = new Uint8Array(t.length * 3);
    }
    this.pos += this.enc.encodeInto(t, this.buf.subarray(this.pos)).written;
    if (this.pos >= JSON_CHUNK) this.hand();
  }

  private hand(): void {
    if (this.pos > 0) this.write(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }
}

export interface JsonChunksOptions {
  /** Spaces of indentation, as JSON.stringify's numeric `space` (clamped to 0..10); none: compact. */
  indent?: number;
  /** End the text with "\n". */
  newline?: boolean;
  /**
   * Members written from an iterable (as an array) instead of obj[key]: `of(obj, key)` returns
   * the records, or undefined for an ordinary member. Asked only of objects at most `depth` levels
   * below the value (the value itself is level 0).
   */
  lists?: { depth: number; of(obj: object, key: string): Iterable<unknown> | undefined };
  /** Bytes gathered before a chunk is handed out (default JSON_CHUNK). */
  chunk?: number;
}

/**
 * The UTF-8 bytes of JSON.stringify(value, null, indent) (+ "\n" with `newline`), in chunks of
 * about `chunk` bytes. A chunk ends between two values, so it is whole UTF-8 (no character split
 * between chunks). Each chunk is a view of a buffer the generator reuses: it is valid until the
 * generator is resumed (copy it to keep it). A value that has no JSON at all (undefined, a
 * function) is a TypeError: a report is an object.
 */
export function* jsonChunks(value: unknown, opts: JsonChunksOptions = {}): Generator<Uint8Array> {
  const w = new JsonWalker(opts);
  try {
    w.start(value);
    for (;;) {
      if (!w.done) w.fill();
      if (w.pos > 0) yield w.buf.subarray(0, w.pos);
      w.pos = 0;
      if (w.done) return;
    }
  } finally {
    // left early (a reader that went away, an error): the open iterables are closed, as for...of would
    w.closeIterators();
  }
}

/** The chunks of jsonChunks handed to `write` (each valid only while `write` runs). */
export function writeJson(value: unknown, write: (chunk: Uint8Array) => void, opts: JsonChunksOptions = {}): void {
  for (const c of jsonChunks(value, opts)) write(c);
}

/** jsonChunks as one string (tests, small reports). */
export function jsonText(value: unknown, opts: JsonChunksOptions = {}): string {
  const dec = new TextDecoder();
  let s = "";
  for (const c of jsonChunks(value, opts)) s += dec.decode(c, { stream: true });
  return s + dec.decode();
}

/** Frame kinds: an object's keys, an array's indices, an iterable's items. */
const OBJECT = 0;
const ARRAY = 1;
const ITER = 2;

const TRUE = [116, 114, 117, 101];
const FALSE = [102, 97, 108, 115, 101];
const NULL = [110, 117, 108, 108];
const HEX = "0123456789abcdef";

/** A value with a toJSON method (Date, or anything that says how it is written). */
function toJsonOf(v: unknown): ((key: string) => unknown) | undefined {
  const f = (v as { toJSON?: unknown }).toJSON;
  return typeof f === "function" ? (f as (key: string) => unknown) : undefined;
}

/**
 * A value (after toJSON) as JSON.stringify writes it: Number/String/Boolean objects unwrapped;
 * undefined for a value without JSON (undefined, a function, a symbol).
 */
function unwrap(v: unknown): unknown {
  if (typeof v === "object" && v !== null) {
    if (v instanceof Number) return Number(v);
    if (v instanceof String) return String(v);
    if (v instanceof Boolean) return v.valueOf();
    return v;
  }
  if (v === undefined || typeof v === "function" || typeof v === "symbol") return undefined;
  return v;
}

/** The walk: a stack of frames (parallel arrays, reused level by level) and the byte buffer. */
class JsonWalker {
  buf: Uint8Array;
  pos = 0;
  done = false;
  private readonly chunk: number;
  private readonly gap: number;
  private readonly newline: boolean;
  private readonly lists: JsonChunksOptions["lists"];
  /** Frames: level k is the container whose members are being written at depth k + 1. */
  private depth = 0;
  private readonly kind: number[] = [];
  private readonly holder: object[] = [];
  private readonly keys: (string[] | null)[] = [];
  private readonly index: number[] = [];
  private readonly wrote: boolean[] = [];
  private readonly iter: (Iterator<unknown> | null)[] = [];

  constructor(opts: JsonChunksOptions) {
    this.chunk = Math.max(64, opts.chunk ?? JSON_CHUNK);
    this.buf = new Uint8Array(this.chunk + 1024);
    this.gap = Math.min(10, Math.max(0, Math.floor(opts.indent ?? 0)));
    this.newline = opts.newline ?? false;
    this.lists = opts.lists;
  }

  /** Writes the value, or opens it as the first frame. */
  start(value: unknown): void {
    const v = this.resolve(value, "");
    if (v === undefined) throw new TypeError("jsonChunks: the value has no JSON text");
    this.value(v);
    if (this.depth === 0) this.finish();
  }

  /** Writes members until the buffer holds a chunk or the walk ends. */
  fill(): void {
    while (this.depth > 0 && this.pos < this.chunk) this.step();
    if (this.depth === 0 && !this.done) this.finish();
  }

  /** Calls return() on the iterators of the frames still open (innermost first). */
  closeIterators(): void {
    for (let d = this.depth - 1; d >= 0; d--) {
      const it = this.iter[d];
      this.iter[d] = null;
      it?.return?.();
    }
    this.depth = 0;
  }

  private finish(): void {
    if (this.newline) this.byte(10);
    this.done = true;
  }

  /** The next member of the innermost frame, or its end. */
  private step(): void {
    const d = this.depth - 1;
    const kind = this.kind[d]!;
    const holder = this.holder[d]!;
    if (kind === OBJECT) {
      const keys = this.keys[d]!;
      while (this.index[d]! < keys.length) {
        const k = keys[this.index[d]!++]!;
        const list = this.lists && d <= this.lists.depth ? this.lists.of(holder, k) : undefined;
        let v: unknown;
        if (list === undefined) {
          v = this.resolve((holder as Record<string, unknown>)[k], k);
          if (v === undefined) continue;
        }
        this.separator(d);
        this.key(k);
        if (list !== undefined) this.open(ITER, list);
        else this.value(v);
        return;
      }
    } else if (kind === ARRAY) {
      const a = holder as unknown[];
      const i = this.index[d]!;
      if (i < a.length) {
        this.index[d] = i + 1;
        this.item(d, a[i], i);
        return;
      }
    } else {
      const r = this.iter[d]!.next();
      if (!r.done) {
        this.item(d, r.value, this.index[d]!++);
        return;
      }
    }
    this.close(d);
  }

  /** An array member (`null` when it has no JSON). */
  private item(d: number, raw: unknown, i: number): void {
    this.separator(d);
    const v = this.resolve(raw, i);
    if (v === undefined) this.bytes(NULL);
    else this.value(v);
  }

  /** `"key":` (and a space when indented). */
  private key(k: string): void {
    this.string(k);
    this.byte(58);
    if (this.gap) this.byte(32);
  }

  /** `,` unless first, then the line break and indentation of frame d's members. */
  private separator(d: number): void {
    if (this.wrote[d]) this.byte(44);
    else this.wrote[d] = true;
    if (this.gap) this.pad(d + 1);
  }

  /** Ends frame d (it is the innermost). */
  private close(d: number): void {
    if (this.wrote[d] && this.gap) this.pad(d);
    this.byte(this.kind[d] === OBJECT ? 125 : 93);
    this.holder[d] = null as unknown as object;
    this.keys[d] = null;
    this.iter[d] = null;
    this.depth = d;
  }

  /**
   * The value as JSON.stringify sees it: toJSON applied, Number/String/Boolean objects unwrapped;
   * undefined for a value without JSON (undefined, a function, a symbol).
   */
  private resolve(v: unknown, key: string | number): unknown {
    if (typeof v === "object" && v !== null) {
      const f = toJsonOf(v);
      if (f !== undefined) return unwrap(f.call(v, String(key)));
      // (a plain object or array, the usual case, is no boxed primitive)
      const proto: unknown = Object.getPrototypeOf(v);
      return proto === Object.prototype || proto === Array.prototype ? v : unwrap(v);
    }
    if (typeof v === "bigint") {
      const f = toJsonOf(Object(v));
      if (f !== undefined) return unwrap(f.call(v, String(key)));
    }
    return unwrap(v);
  }

  /** A resolved value: a primitive written, an object or array opened. */
  private value(v: unknown): void {
    switch (typeof v) {
      case "string": this.string(v); return;
      case "number": this.number(v); return;
      case "boolean": this.bytes(v ? TRUE : FALSE); return;
      case "bigint": throw new TypeError("Do not know how to serialize a BigInt");
    }
    if (v === null) {
      this.bytes(NULL);
      return;
    }
    if (Array.isArray(v)) this.open(ARRAY, v);
    else this.open(OBJECT, v as object);
  }

  /** Pushes a frame for an object, array or iterable, and writes its opening bracket. */
  private open(kind: number, v: object | Iterable<unknown>): void {
    const d = this.depth;
    for (let k = 0; k < d; k++) if (this.holder[k] === v) throw new TypeError("Converting circular structure to JSON");
    this.kind[d] = kind;
    this.holder[d] = v;
    this.keys[d] = kind === OBJECT ? Object.keys(v) : null;
    this.iter[d] = kind === ITER ? (v as Iterable<unknown>)[Symbol.iterator]() : null;
    this.index[d] = 0;
    this.wrote[d] = false;
    this.depth = d + 1;
    this.byte(kind === OBJECT ? 123 : 91);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const more = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    more.set(this.buf.subarray(0, this.pos));
    this.buf = more;
  }

  private byte(b: number): void {
    if (this.pos === this.buf.length) this.room(1);
    this.buf[this.pos++] = b;
  }

  private bytes(bs: readonly number[]): void {
    this.room(bs.length);
    for (let k = 0; k < bs.length; k++) this.buf[this.pos++] = bs[k]!;
  }

  /** A line break and the indentation of `depth`. */
  private pad(depth: number): void {
    const n = depth * this.gap;
    this.room(n + 1);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 10;
    for (const e = p + n; p < e; p++) buf[p] = 32;
    this.pos = p;
  }

  /** A number as JSON.stringify writes it (non-finite: null; -0: 0). */
  private number(n: number): void {
    if (!Number.isFinite(n)) {
      this.bytes(NULL);
      return;
    }
    if (Number.isInteger(n) && n >= 0 && n < 2 ** 31) {
      this.room(10);
      this.pos = putUint31(this.buf, this.pos, n);
      return;
    }
    this.ascii(String(n));
  }

  /** Text known to be printable ASCII without `"` or `\` (a number's). */
  private ascii(s: string): void {
    this.room(s.length);
    for (let k = 0; k < s.length; k++) this.buf[this.pos++] = s.charCodeAt(k);
  }

  /** A JSON string: quoted, escaped as JSON.stringify does, UTF-8 encoded. */
  private string(s: string): void {
    const n = s.length;
    this.room(n * 6 + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 34;
    for (let k = 0; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c >= 32 && c < 128) {
        if (c === 34 || c === 92) {
          buf[p++] = 92;
        }
        buf[p++] = c;
      } else if (c < 32) {
        buf[p++] = 92;
        const e = c === 8 ? 98 : c === 9 ? 116 : c === 10 ? 110 : c === 12 ? 102 : c === 13 ? 114 : 0;
        if (e) buf[p++] = e;
        else p = escapeUnit(buf, p, c);
      } else if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6);
        buf[p++] = 0x80 | (c & 63);
      } else if (c < 0xd800 || c > 0xdfff) {
        buf[p++] = 0xe0 | (c >> 12);
        buf[p++] = 0x80 | ((c >> 6) & 63);
        buf[p++] = 0x80 | (c & 63);
      } else {
        const lo = k + 1 < n ? s.charCodeAt(k + 1) : 0;
        if (c <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
          buf[p++] = 0xf0 | (cp >> 18);
          buf[p++] = 0x80 | ((cp >> 12) & 63);
          buf[p++] = 0x80 | ((cp >> 6) & 63);
          buf[p++] = 0x80 | (cp & 63);
          k++;
        } else {
          // a lone surrogate: escaped, as JSON.stringify writes it (well-formed JSON.stringify)
          buf[p++] = 92;
          p = escapeUnit(buf, p, c);
        }
      }
    }
    buf[p++] = 34;
    this.pos = p;
  }
}

/** `u` and four lower-case hex digits of code unit c, at buf[p] (after its backslash); the new end. */
function escapeUnit(buf: Uint8Array, p: number, c: number): number {
  buf[p++] = 117;
  for (let shift = 12; shift >= 0; shift -= 4) buf[p++] = HEX.charCodeAt((c >> shift) & 15);
  return p;
}

/**
 * The decimal digits of n (an integer, 0 ≤ n < 2^31) as ASCII at buf[pos…] (room for 10 bytes is
 * the caller's); returns the position after them.
 */
export function putUint31(buf: Uint8Array, pos: number, n: number): number {
  let digits = 1;
  for (let t = n; t >= 10; t = (t / 10) | 0) digits++;
  const end = pos + digits;
  let at = end;
  let v = n;
  do {
    const q = (v / 10) | 0;
    buf[--at] = 48 + v - q * 10;
    v = q;
  } while (v > 0);
  return end;
}
