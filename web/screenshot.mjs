#!/usr/bin/env node
// Regenerates web/screenshot.png (the README's picture of the report): the built page in
// headless Chromium on the recorded lab run of SIP over UDP through Linux NAT without the SIP
// helper (pcaps/lab/sip-udp-no-helper: the classic failure, the call's audio one way only), with
// the kernel's conntrack table beside the predicted conversations.
//   npm run build && npm run build:web && node web/screenshot.mjs
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";
import { launchChromium } from "../dist/test/helpers/chromium.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = join(root, "pcaps/lab/sip-udp-no-helper");
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(join(root, "dist/web/index.html")).href);
  await page.waitForFunction(() => document.body.dataset.engine === "ready");
  await page.setInputFiles("#file-inside", join(dir, "inside.pcap"));
  await page.setInputFiles("#file-outside", join(dir, "outside.pcap"));
  await page.setInputFiles("#file-router", [join(dir, "conntrack.txt"), join(dir, "expect.txt")]);
  await page.click("#run");
  await page.waitForFunction(() => document.body.dataset.state === "done");
  // From the action row (status) down through the findings and the predicted/router tables.
  const top = await page.evaluate(() => document.querySelector(".actions").getBoundingClientRect().top + window.scrollY - 8);
  const bottom = await page.evaluate(() => document.getElementById("conversations").getBoundingClientRect().bottom + window.scrollY + 8);
  await page.screenshot({ path: join(root, "web/screenshot.png"), fullPage: true, clip: { x: 0, y: top, width: 1280, height: bottom - top } });
} finally {
  await browser.close();
}
