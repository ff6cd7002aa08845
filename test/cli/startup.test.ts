/**
 * Start-up cost: what the CLI module loads before any command runs is parsed by every command
 * (`analyze` on a one-packet capture spent a third of its CPU loading verify, the router parsers
 * and the ALG code it never ran, through suite's option default). The commands load their
 * implementations when they run (dynamic imports); this walks the static imports of the sources
 * from src/node/cli.ts (type-only imports are erased by tsc and skipped) and checks that none of
 * the heavy modules is reached.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const src = new URL("../../src/", import.meta.url).pathname;

/** Relative static value imports and re-exports of a TypeScript source (not `import type`). */
export function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  const re = /^(?:import|export)\s+(?!type\b)(?:[^;"']*?\sfrom\s+)?["'](\.[^"']+)["']/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const ts = join(dirname(file), m[1]).replace(/\.js$/, ".ts");
    if (existsSync(ts)) out.push(ts);
  }
  return out;
}

/** Every source reached from `entry` by static value imports. */
function reached(entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const todo = [entry];
  while (todo.length) {
    for (const next of staticImports(todo.pop()!)) {
      if (!seen.has(next)) {
        seen.add(next);
        todo.push(next);
      }
    }
  }
  return new Set([...seen].map((f) => relative(src, f)));
}

describe("CLI start-up", () => {
  it("the import walk sees static imports, multi-line ones and re-exports, and skips type-only ones", () => {
    const suiteRun = staticImports(join(src, "node/suite-run.ts")).map((f) => relative(src, f));
    expect(suiteRun).toContain("node/verify-run.ts");
    expect(suiteRun).toContain("node/suite-discover.ts");
    expect(suiteRun).not.toContain("suite/case.ts"); // import type only
  });

  it("loads no command's implementation before the command runs", () => {
    const mods = reached(join(src, "node/cli.ts"));
    expect(mods.has("node/suite-cli.ts")).toBe(true);
    for (const heavy of [
      "node/verify-run.ts", "node/files.ts", "node/suite-run.ts", "verify/verify.ts", "router/parse.ts",
      "alg/analyze.ts", "capture/scan.ts", "wasm/core.ts", "report/flows-json.ts",
    ]) expect(mods.has(heavy), heavy).toBe(false);
    expect(mods.size).toBeLessThan(30);
  });
});
