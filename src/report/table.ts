/** Aligned plain-text tables for the human output. */

export type Align = "left" | "right";

export interface Column {
  header: string;
  align?: Align;
  /**
   * May wrap onto continuation lines (at spaces) when the table is wider than `maxWidth`; never
   * narrower than its longest word nor half its natural width (the widest gives way first).
   * Columns without it keep their width.
   */
  wrap?: boolean;
  /** Decorates a cell's text after it is padded (terminal colour): alignment counts the plain text. */
  paint?: (cell: string) => string;
}

export interface TableOptions {
  /** Widest line wanted (the caller's indent not included); wrappable columns give way first. */
  maxWidth?: number;
  /**
   * Least width of each column: a table streamed in blocks passes the widths of all its rows
   * (`widenTo`), so that every block lines up with the first.
   */
  minWidths?: number[];
}

const GAP = 2;
const SEPARATOR = " ".repeat(GAP);
const PADS: string[] = [];

/** `n` spaces (none when n ≤ 0); the short ones made once. */
function spaces(n: number): string {
  if (n <= 0) return "";
  if (n >= 64) return " ".repeat(n);
  return (PADS[n] ??= " ".repeat(n));
}

/** Renders rows under headers, columns padded to their widest cell, two spaces apart. */
export function renderTable(columns: Column[], rows: string[][], opts: TableOptions = {}): string {
  // (a loop, not Math.max(...rows): a table may have more rows than a call takes arguments)
  const widths = columns.map((c, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? "").length), Math.max(c.header.length, opts.minWidths?.[i] ?? 0)));
  if (opts.maxWidth !== undefined) fitWidths(columns, rows, widths, opts.maxWidth);
  const right = columns.map((c) => c.align === "right");
  const painted = columns.map((c) => c.paint);
  // One string built cell by cell (a table may have hundreds of thousands of rows: `flows`).
  const line = (cells: string[], paint: boolean) => {
    let out = "";
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i] ?? "";
      const pad = spaces(widths[i] - cell.length);
      const p = paint && cell ? painted[i] : undefined;
      const text = p ? p(cell) : cell;
      if (i) out += SEPARATOR;
      out += right[i] ? pad + text : text + pad;
    }
    return out.trimEnd();
  };
  let out = line(columns.map((c) => c.header), false) + "\n";
  const wraps = opts.maxWidth !== undefined && columns.some((c) => c.wrap);
  for (const r of rows) {
    if (!wraps) {
      // (the common case, e.g. millions of flows: one line per row)
      out += line(r, true) + "\n";
      continue;
    }
    const parts = columns.map((c, i) => (c.wrap && (r[i] ?? "").length > widths[i] ? wrapText(r[i], widths[i]) : [r[i] ?? ""]));
    const height = parts.reduce((h, p) => Math.max(h, p.length), 1);
    for (let k = 0; k < height; k++) out += line(parts.map((p) => p[k] ?? ""), true) + "\n";
  }
  return out;
}

/**
 * Widens `widths` (one per column, from the headers' lengths) to the cells of `row`: the first
 * pass of a table streamed in blocks (`TableOptions.minWidths`).
 */
export function widenTo(widths: number[], row: string[]): void {
  for (let i = 0; i < widths.length; i++) {
    const n = (row[i] ?? "").length;
    if (n > widths[i]) widths[i] = n;
  }
}

/**
 * Narrows the wrappable columns, the widest first, until the table fits `max` or none can give
 * way. A column keeps at least half its natural width (a cell wraps onto about two lines, not a
 * word a line) and its longest word.
 */
function fitWidths(columns: Column[], rows: string[][], widths: number[], max: number): void {
  const floor = columns.map((c, i) => (c.wrap ? Math.max(Math.ceil(widths[i] / 2), rows.reduce((w, r) => Math.max(w, longestWord(r[i] ?? "")), c.header.length)) : widths[i]));
  let excess = widths.reduce((a, b) => a + b, 0) + GAP * (columns.length - 1) - max;
  while (excess > 0) {
    let pick = -1;
    for (let i = 0; i < widths.length; i++) if (widths[i] > floor[i] && (pick < 0 || widths[i] > widths[pick])) pick = i;
    if (pick < 0) return;
    widths[pick]--;
    excess--;
  }
}

function longestWord(s: string): number {
  let best = 0;
  for (const w of s.split(" ")) best = Math.max(best, w.length);
  return best;
}

/** Breaks `s` at spaces into lines of at most `width` (a longer word is cut). */
export function wrapText(s: string, width: number): string[] {
  const out: string[] = [];
  let cur = "";
  for (let word of s.split(" ")) {
    while (word.length > width) {
      if (cur) out.push(cur);
      out.push(word.slice(0, width));
      word = word.slice(width);
      cur = "";
    }
    if (!cur) cur = word;
    else if (cur.length + 1 + word.length <= width) cur += " " + word;
    else {
      out.push(cur);
      cur = word;
    }
  }
  if (cur || !out.length) out.push(cur);
  return out;
}
