/** Aligned plain-text tables for the human output. */

export type Align = "left" | "right";

export interface Column {
  header: string;
  align?: Align;
}

/** Renders rows under headers, columns padded to their widest cell, two spaces apart. */
export function renderTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (columns[i].align === "right" ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join("\n") + "\n";
}
