/**
 * The wasm writer of the usual `conntrack -L` lines (assembly/conntrack-json.ts): a run of whole
 * lines copied into the instance, each usual line scanned and written there as its entry's JSON
 * (and its flow's), every other line left to the host's scan (entries.ts) — stream.ts
 * `Check.wasmJson` alternates the two, so the bytes are json.ts's whatever the mix.
 *
 *   const w = ConntrackWasm.create(module);          // null when the instance cannot be made
 *   w.setup(4, 2, 0, '"conntrack"', '"dump.txt"');   // depths of entries and flows, document, JSON texts
 *   w.load(bytes); w.run(0, end, 1, false, true, limit)  →  { status, next } ; w.entries(), w.flows()
 *
 * One instance per reading (made when the entries are written, dropped after): its memory is
 * INPUT (a run, grown for a longer one) + 2 × 1 MiB of output + 128 KiB.
 */
import { coreInstance } from "../../wasm/instantiate.js";

/** Why `run` stopped (assembly/conntrack-json.ts CT_*). */
export const CT_END = 0, CT_FALLBACK = 1, CT_FULL = 2;

interface CtExports {
  memory: WebAssembly.Memory;
  ctInit(cap: number): number;
  ctInput(cap: number): number;
  ctInPtr(): number;
  ctInCap(): number;
  ctEntPtr(): number;
  ctFlowPtr(): number;
  ctStrPtr(): number;
  ctStrCap(): number;
  ctStatus(): number;
  ctEntLen(): number;
  ctFlowLen(): number;
  ctLines(): number;
  ctSetup(d: number, f: number, document: number, formatLen: number, fileLen: number): number;
  ctRun(pos: number, end: number, line: number, comma: number, flows: number, limit: number): number;
  ctLook(pos: number, end: number): number;
}

const ENC = new TextEncoder();

export class ConntrackWasm {
  /** After `run`: why it stopped, the lines written. */
  status = CT_END;
  lines = 0;
  private constructor(private readonly x: CtExports) {}

  /** An instance of the core `module` with its regions laid out (INPUT of `cap` bytes), or null (an old core, no memory). */
  static create(module: WebAssembly.Module, cap: number): ConntrackWasm | null {
    const x = coreInstance<CtExports>(module);
    if (!x) return null;
    if (typeof x.ctRun !== "function" || typeof x.ctLook !== "function" || x.ctInit(cap) !== 1) return null;
    return new ConntrackWasm(x);
  }

  /** Depths of the entries (d) and flows (f), the flows' document number, `format` and `file` as JSON texts: false when they do not fit. */
  setup(d: number, f: number, document: number, format: string, file: string): boolean {
    const x = this.x;
    const a = ENC.encode(format);
    const b = ENC.encode(file);
    if (a.length + b.length > x.ctStrCap()) return false;
    const mem = new Uint8Array(x.memory.buffer, x.ctStrPtr(), a.length + b.length);
    mem.set(a);
    mem.set(b, a.length);
    return x.ctSetup(d, f, document, a.length, b.length) === 1;
  }

  /** Copy the run into INPUT (grown when it is longer): false when memory cannot grow. */
  load(bytes: Uint8Array): boolean {
    const x = this.x;
    if (bytes.length > x.ctInCap() && x.ctInput(Math.max(bytes.length, x.ctInCap() * 2)) !== 1) return false;
    new Uint8Array(x.memory.buffer, x.ctInPtr(), bytes.length).set(bytes);
    return true;
  }

  /**
   * Write the usual lines of INPUT[pos, end), the first being line `line` (1-based); `comma`: an
   * entry was written before; `flows`: write the flows too; stop once the entries' bytes reach
   * `limit`. Returns the position reached (`status`, `lines` say why and how many were written).
   */
  run(pos: number, end: number, line: number, comma: boolean, flows: boolean, limit: number): number {
    const x = this.x;
    const next = x.ctRun(pos, end, line, comma ? 1 : 0, flows ? 1 : 0, limit);
    this.status = x.ctStatus();
    this.lines = x.ctLines();
    return next;
  }

  /**
   * Skip the lines of INPUT[pos, end) that plainly continue a `conntrack -L` dump (stream.ts
   * firstLook's test, or a narrower one); returns the position of the first other line (`lines`: how many were skipped).
   */
  look(pos: number, end: number): number {
    const next = this.x.ctLook(pos, end);
    this.lines = this.x.ctLines();
    return next;
  }

  /** The entries' bytes of the last run (a view valid until the next run). */
  entries(): Uint8Array {
    const x = this.x;
    return new Uint8Array(x.memory.buffer, x.ctEntPtr(), x.ctEntLen());
  }

  /** The flows' bytes of the last run (a view valid until the next run). */
  flows(): Uint8Array {
    const x = this.x;
    return new Uint8Array(x.memory.buffer, x.ctFlowPtr(), x.ctFlowLen());
  }
}
