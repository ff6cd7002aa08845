/**
 * The self-contained HTML report (`verify --html`, `suite --html`) written by the real CLI
 * (bin/alg-verify.js on the compiled dist/, `npm run build` first) and opened in real Chromium
 * from the file system: it makes no request but its own file, logs no console error (a CSP
 * violation of its own style would), shows the verdict before the answers and the findings, draws
 * one diagram per session with a non-zero size, shows the SIP dialogs, TFTP transfers and checks,
 * and every text keeps 4.5:1 contrast.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { CHROMIUM_HINT, chromiumPath, launchChromium } from "../helpers/chromium.js";
import { isCi } from "../helpers/tshark.js";
import { lowContrastTexts } from "./contrast.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const exe = chromiumPath();

function cli(args: string[], cwd: string): number {
  try {
    execFileSync(process.execPath, [join(root, "bin/alg-verify.js"), ...args], { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 });
    return 0;
  } catch (e) {
    return (e as { status: number }).status;
  }
}

const cases = [
  ["lab/ftp-active-no-helper", ["conntrack.txt", "expect.txt", "events.txt"], 1],
  ["lab/rtsp-play-udp-fully-random", ["conntrack.txt"], 1],
  ["lab/ftp-active-helper", ["conntrack.txt", "expect.txt"], 0],
  ["nat/ftp-alg-wrong-address", ["router-junos.txt"], 1],
  ["lab/sip-udp-no-helper", ["conntrack.txt", "expect.txt"], 1],
  ["lab/sip-tcp-helper", ["conntrack.txt", "expect.txt"], 0],
  ["lab/tftp-helper", ["conntrack.txt", "expect.txt"], 0],
  ["lab/tftp-no-helper", ["conntrack.txt"], 1],
  ["nat/tftp-error-alg", [], 0],
  ["nat/sip-udp-reinvite-inactive", [], 0],
] as const;

describe.skipIf(!exe && !isCi())("HTML report in Chromium", () => {
  let browser: Browser;
  let tmp: string;
  beforeAll(async () => {
    if (!exe) throw new Error(`chromium is required under CI (CI=true) but was not found: ${CHROMIUM_HINT}`);
    browser = await launchChromium();
    tmp = mkdtempSync(join(tmpdir(), "alg-verify-html-"));
  });
  afterAll(async () => {
    await browser?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function open(file: string) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (q) => requests.push(q.url()));
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") errors.push(m.text()); });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href);
    await page.waitForLoadState("load");
    return { page, requests, errors, close: () => ctx.close() };
  }

  it.each(cases)("%s: verify --html is one self-contained file, read without script or request", async (name, router, code) => {
    const dir = join(root, "pcaps", name);
    const out = join(tmp, `${name.replace("/", "_")}.html`);
    expect(cli(["verify", "--inside", "inside.pcap", "--outside", "outside.pcap", ...router.flatMap((f) => ["--router", f]), "--html", out], dir)).toBe(code);
    const text = readFileSync(out, "utf8");
    expect(text).not.toMatch(/<script|\son\w+=|\ssrc=|url\(|@import|<link|<iframe|<object/i);
    expect(text).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-[A-Za-z0-9+/]+=*&#39;/);
    const { page, requests, errors, close } = await open(out);
    expect(requests).toEqual([pathToFileURL(out).href]);
    expect(errors).toEqual([]);
    // The style applied (the CSP allowed it by its hash): the verdict banner is coloured.
    const verdict = await page.getAttribute("#verdict", "data-verdict");
    expect(verdict).toBe(code === 0 ? "pass" : "fail");
    expect(await page.$eval("#verdict", (e) => getComputedStyle(e).backgroundColor)).not.toBe("rgba(0, 0, 0, 0)");
    // Verdict, then the answers, then the findings, then the diagrams.
    const order = await page.$$eval("#verdict, #answers, #findings, #diagrams", (els) => els.map((e) => e.id));
    expect(order).toEqual(["verdict", "answers", "findings", "diagrams"]);
    const sizes = await page.$$eval("svg[data-session]", (els) => els.map((e) => { const b = e.getBoundingClientRect(); return [b.width, b.height]; }));
    expect(sizes.length).toBeGreaterThan(0);
    for (const [w, h] of sizes) {
      expect(w).toBeGreaterThan(600);
      expect(h).toBeGreaterThan(60);
    }
    const topo = await page.$eval("svg[data-topology]", (e) => e.getBoundingClientRect().height);
    expect(topo).toBeGreaterThan(40);
    expect(await page.evaluate(lowContrastTexts)).toEqual([]);
    if (code === 1) expect(await page.$$eval("#findings [data-code]", (els) => els.length)).toBeGreaterThan(0);
    // "What is each flow?" is a table with the text report's columns, inside the answers.
    expect(await page.$$eval("#answers #flow-table thead th", (ths) => ths.map((t) => t.textContent))).toEqual(["#", "Proto", "I/O", "Flow", "NAT", "State", "Frames", "What it is"]);
    expect(await page.$$eval("#answers #flow-table tbody tr", (trs) => trs.length)).toBeGreaterThan(0);
    // SIP reports show their dialogs; every table fits the 1280 px window or scrolls in its own box.
    if (name.includes("sip")) expect(await page.$$eval("#sip [data-sip-session] .sip-messages tbody tr", (trs) => trs.length)).toBeGreaterThan(0);
    // TFTP reports show each request's transfer per capture; every report lists its checks.
    if (name.includes("tftp")) expect(await page.$$eval("#tftp tbody tr [data-tftp-outcome]", (els) => els.length)).toBeGreaterThan(0);
    expect(await page.$$eval("#checks tbody tr", (trs) => trs.length)).toBeGreaterThan(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await close();
  });

  it("suite --html writes one report per case and an index linking them with their verdicts", async () => {
    const suite = join(tmp, "suite");
    for (const n of ["ftp-active-helper", "ftp-active-no-helper"]) cpSync(join(root, "pcaps/lab", n), join(suite, n), { recursive: true });
    const html = join(tmp, "suite-html");
    expect(cli(["suite", suite, "--jobs", "1", "--html", html], root)).toBe(0);
    expect(readdirSync(html).sort()).toEqual(["ftp-active-helper.html", "ftp-active-no-helper.html", "index.html"]);
    const { page, requests, errors, close } = await open(join(html, "index.html"));
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(join(html, "index.html")).href]);
    const rows = await page.$$eval("tbody tr", (trs) => trs.map((tr) => [tr.querySelector("a")?.getAttribute("href"), tr.querySelector("[data-verdict]")?.getAttribute("data-verdict")]));
    expect(rows).toEqual([["ftp-active-helper.html", "pass"], ["ftp-active-no-helper.html", "fail"]]);
    await page.click("a[href='ftp-active-no-helper.html']");
    await page.waitForLoadState("load");
    expect(await page.getAttribute("#verdict", "data-verdict")).toBe("fail");
    expect(await page.$$eval("svg[data-session]", (e) => e.length)).toBe(1);
    expect(await page.evaluate(lowContrastTexts)).toEqual([]);
    await close();
  });
});
