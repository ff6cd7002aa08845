import { test } from "vitest";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { scanFile } from "../../src/node/index.js";

test("quick", async () => {
  const root = "/work/shared/pcaps/public";
  for (const d of readdirSync(root)) {
    if (d.endsWith(".tsv")) continue;
    for (const f of readdirSync(join(root, d))) {
      const s = await scanFile(join(root, d, f));
      console.log(f, s.info.format, s.info.packets, s.flows.count, s.diagnostics.map((x) => x.code + "@" + (x.offset ?? x.packet)).join(","));
    }
  }
});
