/**
 * Every reproducer saved under test/fuzz/repro/ (by `npm run fuzz`, or moved there from
 * test-artifacts/fuzz-repro/) is a regression test: its input runs through the oracle of its kind
 * (bench/fuzz/oracles.ts) and must pass. Reproducers of open bugs are listed in
 * test/fuzz/KNOWN.md and skipped with the bug named.
 */
import { basename } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { check, knownFailures, loadRepro, reproFolders } from "../../bench/fuzz/engine.js";
import { loadOracles, type Oracles } from "../../bench/fuzz/oracles.js";

const folders = reproFolders();
const known = knownFailures();
let oracles: Oracles;
beforeAll(async () => {
  oracles = await loadOracles();
});

describe("fuzz reproducers (test/fuzz/repro)", () => {
  it("every reproducer listed in KNOWN.md exists", () => {
    const names = new Set(folders.map((f) => basename(f)));
    expect([...known.keys()].filter((k) => !names.has(k))).toEqual([]);
  });
  for (const folder of folders) {
    const name = basename(folder);
    const { note, input } = loadRepro(folder);
    const title = `${name}: ${note.oracle} (${note.how.join("; ").slice(0, 160)})`;
    if (known.has(name)) {
      it.skip(`${title} — known bug: ${known.get(name)}`, () => {});
      continue;
    }
    it(title, { timeout: 60_000 }, async () => {
      // a hang reproducer runs too: vitest's timeout is its watchdog
      expect(await check(oracles, note.kind, input, note.chunk, note.cli)).toBeUndefined();
    });
  }
});
