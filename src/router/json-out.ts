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
import { jsonChunks } from "../report/json-pieces.js";

/** Bytes gathered before a chunk is handed out (128 KiB: half the write calls of 64 KiB; a chunk stays below 256 KiB). */
export const CHUNK = 1 << 17;

const ENC = new TextEncoder();

/** Strings whose JSON bytes are remembered (state words, flags, file names repeat on every record). */
const STRING_CACHE = 1024;

/**
 * Constant segments are not copied one by one. The writer walks a tree of positions in the records
 * it writes: a constant segment (a key, indentation, `{`, an interned string) moves it to the next
 * position along that segment, a variable value (a number, an address) along the position's one
 * "value" edge. Each position holds the constant bytes written since the last value, fused into one
 * segment made once, so a record of ~55 constant segments and ~15 values costs ~15 copies and ~55
 * identity compares (the second record of a shape makes nothing new). A writer calls `begin` at each
 * record (back to the root: the tree holds shapes of records, not the file).
 *
 * Bounds: FUSE_NODES positions (then the tree is dropped and grown again, as the string cache is),
 * FUSE_FANOUT distinct segments after one position and FUSE_BYTES fused bytes (past either, the
 * pending bytes are copied and the walk starts again at the root). Internal caches, not limits on
 * the output: no diagnostic, the bytes are the same whichever way they are copied.
 */
export const FUSE_NODES = 4096;
export const FUSE_FANOUT = 8;
export const FUSE_BYTES = 512;

/** A position: the constant bytes since the last value, and where each next segment or a value leads. */
class Run {
  readonly next: Uint8Array[] = [];
  readonly runs: Run[] = [];
  after: Run | null = null;
  constructor(readonly bytes: Uint8Array) {}
}

/** One-byte constant segments (`{`, `,`, `[`, ...), so they fuse like the others. */
const BYTE: Uint8Array[] = Array.from({ length: 128 }, (_, b) => Uint8Array.of(b));
const EMPTY = new Uint8Array(0);
const TRUE = ENC.encode("true");
const FALSE = ENC.encode("false");
const NULL = ENC.encode("null");

export class JsonOut {
  buf: Uint8Array = new Uint8Array(CHUNK + 4096);
  /** Bytes written into buf (the pending constant bytes not included: see `size`). */
  pos = 0;
  private readonly strings = new Map<string, Uint8Array>();
  private readonly pads: Uint8Array[] = [];
  private readonly keys = new Map<string, Uint8Array>();
  private root = new Run(EMPTY);
  /** The position reached; its bytes are pending (not yet in buf). */
  private run: Run = this.root;
  private runs = 1;

  /** Whether a chunk is ready (take it before writing on). */
  full(): boolean {
    return this.pos + this.run.bytes.length >= CHUNK;
  }

  /** The bytes gathered so far (a view valid until the next write), and start afresh. */
  take(): Uint8Array {
    this.begin();
    const c = this.buf.subarray(0, this.pos);
    this.pos = 0;
    return c;
  }

  /** Bytes written so far and not taken. */
  size(): number {
    return this.pos + this.run.bytes.length;
  }

  /** A record starts: the pending bytes are copied and the walk goes back to the root. */
  begin(): void {
    const r = this.run;
    if (r.bytes.length) this.put(r.bytes);
    this.run = this.root;
  }

  /** A value comes: the pending bytes are copied and the walk takes the position's value edge. */
  private vary(): void {
    const r = this.run;
    if (r.bytes.length) this.put(r.bytes);
    let n = r.after;
    if (n === null) {
      if (this.runs >= FUSE_NODES) n = this.reset();
      else {
        n = r.after = new Run(EMPTY);
        this.runs++;
      }
    }
    this.run = n;
  }

  /** Forget every position (nothing pending) and return the new root. */
  private reset(): Run {
    this.runs = 1;
    return (this.root = new Run(EMPTY));
  }

  /** Room for n more bytes of a value in buf (the pending bytes are copied first). */
  room(n: number): void {
    this.vary();
    this.grow(n);
  }

  private grow(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const more = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    more.set(this.buf.subarray(0, this.pos));
    this.buf = more;
  }

  /** A view of the next n bytes of the buffer, to be filled by the caller and then kept with `advance`. */
  space(n: number): Uint8Array {
    this.room(n);
    return this.buf.subarray(this.pos, this.pos + n);
  }

  /** Keep n bytes written into `space`'s view. */
  advance(n: number): void {
    this.pos += n;
  }

  /** A constant byte (below 128). */
  byte(b: number): void {
    this.seg(BYTE[b]!);
  }

  /**
   * Constant bytes: `a` must not change afterwards (it is remembered by identity in the tree);
   * anything else goes through `copy`.
   */
  seg(a: Uint8Array): void {
    const r = this.run;
    const next = r.next;
    for (let k = 0; k < next.length; k++) {
      if (next[k] === a) {
        this.run = r.runs[k]!;
        return;
      }
    }
    if (next.length < FUSE_FANOUT && r.bytes.length + a.length <= FUSE_BYTES && this.runs < FUSE_NODES) {
      const bytes = new Uint8Array(r.bytes.length + a.length);
      bytes.set(r.bytes);
      bytes.set(a, r.bytes.length);
      const n = new Run(bytes);
      next.push(a);
      r.runs.push(n);
      this.runs++;
      this.run = n;
      return;
    }
    // no room to fuse here: copy what is pending and `a`, and start again at the root
    if (r.bytes.length) this.put(r.bytes);
    this.put(a);
    this.run = this.runs >= FUSE_NODES ? this.reset() : this.root;
  }

  /** Variable bytes, copied now (any content: not remembered). */
  copy(a: Uint8Array): void {
    this.vary();
    this.put(a);
  }

  private put(a: Uint8Array): void {
    if (this.pos + a.length > this.buf.length) this.grow(a.length);
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
      this.pos = putDecimal(this.buf, this.pos, n);
      return;
    }
    this.copy(ENC.encode(JSON.stringify(n)));
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
      case "string": this.copy(ENC.encode(JSON.stringify(v))); return;
      case "number": this.num(v); return;
      case "boolean": this.seg(v ? TRUE : FALSE); return;
    }
    if (v === null) {
      this.seg(NULL);
      return;
    }
    const pad = (this.pads[d] ??= ENC.encode("\n" + "  ".repeat(d)));
    // (a small buffer: values written this way are records, not reports)
    for (const c of jsonChunks(v, { indent: 2, chunk: 4096 })) {
      let from = 0;
      for (let k = c.indexOf(10); k >= 0; k = c.indexOf(10, k + 1)) {
        this.copy(c.subarray(from, k));
        this.seg(pad);
        from = k + 1;
      }
      this.copy(c.subarray(from));
    }
  }
}

/** "00".."99": the two digits of each number below 100. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, k) => 48 + (k & 1 ? (k >> 1) % 10 : ((k >> 1) / 10) | 0));

/** The decimal digits of n (0 ≤ n < 2^31) at buf[pos..]; returns the position after them. Two digits a step (PAIRS). */
function putDecimal(buf: Uint8Array, pos: number, n: number): number {
  if (n < 10) {
    buf[pos] = 48 + n;
    return pos + 1;
  }
  const digits = n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
  const end = pos + digits;
  let at = end;
  let v = n;
  while (v >= 100) {
    const q = (v / 100) | 0;
    const r = (v - q * 100) << 1;
    buf[--at] = PAIRS[r + 1]!;
    buf[--at] = PAIRS[r]!;
    v = q;
  }
  if (v >= 10) {
    buf[--at] = PAIRS[(v << 1) + 1]!;
    buf[--at] = PAIRS[v << 1]!;
  } else buf[--at] = 48 + v;
  return end;
}

/** A member value JSON.stringify writes (not undefined, a function or a symbol). */
export function hasJson(v: unknown): boolean {
  return v !== undefined && typeof v !== "function" && typeof v !== "symbol";
}
