/** The public captures in ../shared/pcaps/public and what MANIFEST.tsv says of them. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const PUBLIC_DIR = fileURLToPath(new URL("../../../shared/pcaps/public/", import.meta.url));

export interface ManifestEntry {
  /** Path relative to PUBLIC_DIR. */
  file: string;
  path: string;
  format: string;
  contains: string;
  packets: string;
  corrupt: boolean;
}

export function manifest(): ManifestEntry[] {
  const lines = readFileSync(join(PUBLIC_DIR, "MANIFEST.tsv"), "utf8").split("\n").filter(Boolean);
  const header = lines[0].split("\t");
  const col = (name: string) => header.indexOf(name);
  return lines.slice(1).map((l) => {
    const c = l.split("\t");
    return {
      file: c[col("file")],
      path: join(PUBLIC_DIR, c[col("file")]),
      format: c[col("format")],
      contains: c[col("contains")],
      packets: c[col("packets")],
      corrupt: c[col("format")].includes("CORRUPT") || c[col("contains")].startsWith("corrupt"),
    };
  });
}
