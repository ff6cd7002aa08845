#!/usr/bin/env node
// Regenerates web/diagram.png (the README's picture of a ladder diagram): the library's SVG for
// the recorded lab run of active FTP without the Linux helper (pcaps/lab/ftp-active-no-helper),
// rendered by headless Chromium at its natural size.
//   npm run build && node web/diagram.mjs
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { launchChromium } from "../dist/test/helpers/chromium.js";
import { runVerify } from "../dist/src/node/verify-run.js";
import { ladder } from "../dist/src/report/ladder.js";
import { markupText } from "../dist/src/report/markup.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = join(root, "pcaps/lab/ftp-active-no-helper");
const report = await runVerify({
  inside: join(dir, "inside.pcap"), outside: join(dir, "outside.pcap"),
  router: ["conntrack.txt", "expect.txt", "events.txt"].map((f) => join(dir, f)),
});
const tmp = mkdtempSync(join(tmpdir(), "alg-verify-diagram-"));
const page = join(tmp, "diagram.html");
writeFileSync(page, `<!doctype html><meta charset="utf-8"><body style="margin:0">${markupText(ladder(report, 0).svg)}</body>`);
const browser = await launchChromium();
try {
  const p = await browser.newPage({ viewport: { width: 1200, height: 400 }, deviceScaleFactor: 1 });
  await p.goto(pathToFileURL(page).href);
  await p.locator("svg[data-session]").screenshot({ path: join(root, "web/diagram.png") });
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
