/** Aligned plain-text tables for the human output. */

export type Align = "left" | "right";

export interface Column {
  header: string;
  align?: Align;
}

/** Renders rows under headers, columns padded to their widest cell, two spaces apart. */
export function renderTable(columns: Column[], rows: string[][]): string {
  // (a loop, not Math.max(...rows): a table may have more rows than a call takes arguments)
  const widths = columns.map((c, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? "").length), c.header.length));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (columns[i].align === "right" ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  let out = line(columns.map((c) => c.header)) + "\n";
  for (const r of rows) out += line(r) + "\n";
  return out;
}
