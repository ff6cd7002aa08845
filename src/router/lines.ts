/**
 * Line access and located diagnostics shared by every router-output parser.
 *
 * A file is indexed once into `Lines` (LF or CRLF; a lone trailing `\r` is dropped, so CRLF files
 * parse like LF files). Parsers work on index ranges `[start, end)` of it — a line string is
 * sliced when asked for, and the big parsers read the code units instead — and report problems
 * through `ParseContext.report`, which fills line (1-based), column (0-based, esbuild style) and
 * lineText.
 *
 *   splitLines("a\r\nb\n")  →  ["a", "b", ""]
 *   ctx.report("unknown_line", "error", 4, 2, "...")  →  { line: 5, column: 2, lineText: lines[4], ... }
 */
import type { Diagnostic, Severity } from "../types.js";
import { DEFAULT_DIAGNOSTIC_LIMIT } from "./types.js";

/** Split text into lines without their terminators (LF, CRLF). */
export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/** Longest lineText copied into a diagnostic (a flattened dump can be one huge line). */
export const MAX_LINE_TEXT = 400;

/**
 * The lines of a text without an array of line strings: where each line starts, and the line
 * itself sliced on demand (`get`). A million-line dump would otherwise keep a million strings
 * alive for the whole parse, each copied by the young-generation GC; a slice taken and dropped
 * per line costs almost nothing. `get(i)` equals `splitLines(text)[i]` (LF or CRLF, one trailing
 * `\r` dropped).
 */
export class Lines {
  /** Number of lines (a text ending in `\n` has an empty last line, as with split). */
  readonly length: number;
  /** starts[i]: offset of line i in `text`; starts[length] = text.length + 1. */
  readonly starts: Int32Array;
  constructor(readonly text: string) {
    let n = 1;
    for (let k = text.indexOf("\n"); k >= 0; k = text.indexOf("\n", k + 1)) n++;
    const starts = new Int32Array(n + 1);
    let i = 0;
    for (let k = text.indexOf("\n"); k >= 0; k = text.indexOf("\n", k + 1)) starts[++i] = k + 1;
    starts[n] = text.length + 1;
    this.length = n;
    this.starts = starts;
  }
  /** Offset just after the last character of line i (its `\n` and a `\r` before it excluded). */
  end(i: number): number {
    const s = this.starts[i]!;
    let e = this.starts[i + 1]! - 1;
    if (e > s && this.text.charCodeAt(e - 1) === 13) e--;
    return e;
  }
  /** Line i (`""` outside the text). */
  get(i: number): string {
    if (!(i >= 0 && i < this.length)) return "";
    return this.text.slice(this.starts[i]!, this.end(i));
  }
}

/** A list of lines: an array of strings or a Lines. */
export type LineList = readonly string[] | Lines;

/** Line i of either kind of list. */
export function lineAt(lines: LineList, i: number): string {
  return lines instanceof Lines ? lines.get(i) : (lines[i] ?? "");
}

/** UTF-16 code units of (part of) a text: bytes when all are ASCII (the usual case), else 16-bit. */
export type Codes = Uint8Array | Uint16Array;

/** Code units decoded at a time by CodeWindow (64 KiB: stays in the CPU cache). */
const WINDOW = 1 << 16;
const ENCODER = new TextEncoder();

/**
 * A window of the text's code units, for the big parsers: after `cover(s, e)`, code unit k of
 * the text (s <= k < e) is `codes[k - base]`. The text is decoded 64 KiB at a time into one
 * reused buffer — bytes when the piece is ASCII, else 16-bit code units (UTF-8 would shift the
 * offsets) — instead of into one array as big as a 200 MB dump, whose fresh pages alone cost more
 * than the decoding. Reading a typed array is about twice as fast as `charCodeAt` on line strings.
 */
export class CodeWindow {
  codes: Codes;
  /** Text offset of codes[0]; the window holds text offsets [base, end). */
  base = 0;
  end = 0;
  private bytes: Uint8Array = new Uint8Array(WINDOW);
  private wide: Uint16Array | null = null;
  constructor(public text: string) {
    this.codes = this.bytes;
  }
  /** Start on another text (nothing covered yet; the buffers are kept). */
  reset(text: string): void {
    this.text = text;
    this.base = 0;
    this.end = 0;
  }
  /** Make text offsets [s, e) readable (a window starts at s; a longer line gets a bigger buffer). */
  cover(s: number, e: number): void {
    if (s >= this.base && e <= this.end) return;
    const n = Math.min(this.text.length, s + Math.max(WINDOW, e - s)) - s;
    if (this.bytes.length < n) this.bytes = new Uint8Array(n);
    const piece = this.text.slice(s, s + n);
    const r = ENCODER.encodeInto(piece, this.bytes);
    if (r.read === n && r.written === n) {
      this.codes = this.bytes;
    } else {
      if (this.wide === null || this.wide.length < n) this.wide = new Uint16Array(Math.max(WINDOW, n));
      const wide = this.wide;
      for (let k = 0; k < n; k++) wide[k] = piece.charCodeAt(k);
      this.codes = wide;
    }
    this.base = s;
    this.end = s + n;
  }
}

/** The per-file state every parser writes into. */
export class ParseContext {
  readonly diagnostics: Diagnostic[] = [];
  /** Diagnostics not kept because `limit` were already kept: how many, per code, worst severity. */
  omitted = 0;
  private readonly omittedCodes = new Map<string, number>();
  private omittedWorst: Severity = "info";
  /** The first diagnostic past the limit (where `diagnostic_limit` points). */
  private firstOmitted: Diagnostic | undefined;
  private codeWindow: CodeWindow | null = null;
  constructor(
    readonly file: string,
    readonly lines: Lines,
    /** Located diagnostics kept (RouterParseOptions.diagnosticLimit); the rest are counted. */
    readonly limit = DEFAULT_DIAGNOSTIC_LIMIT,
  ) {}

  /** A window on the input's code units (made on first use, shared by the parts of the file). */
  window(): CodeWindow {
    return (this.codeWindow ??= new CodeWindow(this.lines.text));
  }

  /**
   * Report a problem at 0-based line index `lineIdx`, 0-based `column`. For long lines,
   * lineText is cut to a window around the column (and `column` is kept relative to the full line).
   * Past `limit` diagnostics, the problem is only counted (see `limitDiagnostic`).
   */
  report(code: string, severity: Severity, lineIdx: number, column: number, message: string): Diagnostic {
    const full = this.lines.get(lineIdx);
    let lineText = full;
    if (full.length > MAX_LINE_TEXT) {
      const from = Math.max(0, Math.min(column - 40, full.length - MAX_LINE_TEXT));
      lineText = full.slice(from, from + MAX_LINE_TEXT);
    }
    const d: Diagnostic = {
      code,
      severity,
      message,
      file: this.file,
      line: lineIdx + 1,
      column: Math.max(0, column),
      lineText,
    };
    if (this.diagnostics.length < this.limit) {
      this.diagnostics.push(d);
    } else {
      this.omitted++;
      this.firstOmitted ??= d;
      this.omittedCodes.set(code, (this.omittedCodes.get(code) ?? 0) + 1);
      if (SEVERITY_RANK[severity] > SEVERITY_RANK[this.omittedWorst]) this.omittedWorst = severity;
    }
    return d;
  }

  /** Report a problem that is always kept (the file-level verdicts such as `nothing_understood`). */
  reportAlways(code: string, severity: Severity, lineIdx: number, column: number, message: string): Diagnostic {
    const n = this.diagnostics.length;
    const d = this.report(code, severity, lineIdx, column, message);
    if (this.diagnostics.length === n) {
      this.omitted--;
      if (this.firstOmitted === d) this.firstOmitted = undefined;
      const left = this.omittedCodes.get(code)! - 1;
      if (left) this.omittedCodes.set(code, left);
      else this.omittedCodes.delete(code);
      this.diagnostics.push(d);
    }
    return d;
  }

  /**
   * The `diagnostic_limit` diagnostic counting what was not listed, or null when nothing was left
   * out, located where the first one not listed is: "149000 more diagnostic(s) not listed
   * (unknown_line: 149000), the first at line 1003; only the first 1000 are (…)".
   */
  limitDiagnostic(): Diagnostic | null {
    const first = this.firstOmitted;
    if (this.omitted <= 0 || !first) return null;
    const codes = Array.from(this.omittedCodes, ([c, n]) => `${c}: ${n}`).join(", ");
    return {
      code: "diagnostic_limit",
      severity: this.omittedWorst,
      message: `${this.omitted} more diagnostic(s) not listed (${codes}), the first at line ${first.line}; only the first ${this.limit} are (diagnostic limit, --diagnostic-limit)`,
      file: this.file,
      line: first.line,
      column: first.column,
      lineText: first.lineText,
      count: this.omitted,
    };
  }
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** 0-based column of the first non-blank character of a line (0 for a blank line). */
export function firstNonBlank(s: string): number {
  const m = /\S/.exec(s);
  return m ? m.index : 0;
}

/** Shorten text for a message. */
export function clip(s: string, n = 60): string {
  const t = s.trim();
  return t.length > n ? t.slice(0, n - 1) + "…" : t;
}

/** The lines of one command output: indices [start, end), the first line read from column `col`. */
export interface Segment {
  start: number;
  end: number;
  col: number;
}

/** Iterate a segment: calls fn(lineIndex, firstColumn) for every line. */
export function eachLine(seg: Segment, fn: (i: number, col: number) => void): void {
  for (let i = seg.start; i < seg.end; i++) fn(i, i === seg.start ? seg.col : 0);
}

/** Lines every parser skips silently: blank, `# comment`, `{master:0}`, Junos pager marks. */
export const IGNORABLE = /^\s*$|^\s*#|^\s*\{[\w:\-]+\}\s*$|^\s*-+\s*\(more[^)]*\)\s*-+\s*$|^\s*\[edit[^\]]*\]\s*$/;
