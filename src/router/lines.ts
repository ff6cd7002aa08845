/**
 * Line access and located diagnostics shared by every router-output parser.
 *
 * A file is split once into `lines` (LF or CRLF; a lone trailing `\r` is dropped, so CRLF files
 * parse like LF files). Parsers work on index ranges `[start, end)` of that array — no copies —
 * and report problems through `ParseContext.report`, which fills line (1-based), column (0-based,
 * esbuild style) and lineText.
 *
 *   splitLines("a\r\nb\n")  →  ["a", "b", ""]
 *   ctx.report("unknown_line", "error", 4, 2, "...")  →  { line: 5, column: 2, lineText: lines[4], ... }
 */
import type { Diagnostic, Severity } from "../types.js";

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

/** UTF-16 code units of a text: bytes when every one is ASCII (the usual case), else 16-bit. */
export type Codes = Uint8Array | Uint16Array;

/**
 * The whole input as code units, and where each line starts in it. Line i is
 * `text.slice(starts[i], starts[i] + lines[i].length)` (its `\r` dropped) and its column k is code
 * unit `codes[starts[i] + k]`. The big parsers scan these instead of the line strings: reading a
 * typed array is about twice as fast as `charCodeAt` on the lines (slices of the input).
 */
export interface TextCodes {
  text: string;
  codes: Codes;
  starts: Int32Array;
}

/** Code units of `text`, without a copy per line. */
export function textCodes(text: string, lineCount: number): TextCodes {
  const n = text.length;
  let codes: Codes = new Uint8Array(n);
  const r = new TextEncoder().encodeInto(text, codes);
  if (r.read !== n || r.written !== n) {
    // not all ASCII: UTF-8 would shift the offsets, so keep each code unit as is
    const wide = new Uint16Array(n);
    for (let k = 0; k < n; k++) wide[k] = text.charCodeAt(k);
    codes = wide;
  }
  const starts = new Int32Array(lineCount + 1);
  let i = 0;
  for (let k = text.indexOf("\n"); k >= 0 && i < lineCount; k = text.indexOf("\n", k + 1)) starts[++i] = k + 1;
  return { text, codes, starts };
}

/** The per-file state every parser writes into. */
export class ParseContext {
  readonly diagnostics: Diagnostic[] = [];
  private codesCache: TextCodes | null = null;
  /** `text`: the text `lines` was split from (splitLines); when absent, the lines joined by `\n`. */
  constructor(
    readonly file: string,
    readonly lines: string[],
    private readonly text?: string,
  ) {}

  /** The input as code units (built on first use, kept for the other parts of the file). */
  codes(): TextCodes {
    return (this.codesCache ??= textCodes(this.text ?? this.lines.join("\n"), this.lines.length));
  }

  /**
   * Report a problem at 0-based line index `lineIdx`, 0-based `column`. For long lines,
   * lineText is cut to a window around the column (and `column` is kept relative to the full line).
   */
  report(code: string, severity: Severity, lineIdx: number, column: number, message: string): Diagnostic {
    const full = this.lines[lineIdx] ?? "";
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
    this.diagnostics.push(d);
    return d;
  }
}

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
