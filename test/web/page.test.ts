/**
 * The web page in real Chromium (Debian's, through playwright-core), on the built single-file
 * page (dist/web/index.html, made by `npm run build:web`, which `npm test` runs first):
 *   - the JSON report downloaded from the page equals `alg-verify verify --json` on the same
 *     files (named the same), for passing and failing cases, and the Junos download equals
 *     `verify --format junos`, the HTML download equals `verify --html`; findings are grouped by
 *     code and one ladder diagram is drawn per session;
 *   - after a run the inputs fold away and the verdict, the answers and the first diagram lie
 *     within 1280×800;
 *   - served over http and opened from file://; files given through the pickers and by drag and
 *     drop; a damaged capture shows the CLI's located error and the partial report; a generated
 *     200 MB capture streams with many progress updates and constant wasm memory; cancel works;
 *   - every request the page makes is recorded: only the page itself; a fetch is refused by CSP;
 *   - narrow window, keyboard reach; a screenshot of the report is saved in test-artifacts/;
 *   - SIP and TFTP on recorded lab runs, generated NAT cases and a public capture: the TFTP
 *     transfers table is `sessions[].tftp`, media a re-INVITE stopped shows `stopped` with the
 *     message that ended it, `--profile linux` shows each SDP's kernel outcome and the REGISTER
 *     pinhole, every check is listed, and the `--sip-sides-dialogs` box acts as the CLI option.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM_HINT, chromiumPath, launchChromium, serveStatic } from "../helpers/chromium.js";
import { isCi } from "../helpers/tshark.js";
import { generateBenchCapture } from "../../bench/gen-capture.js";
import { mergeSidesPcapng } from "../helpers/pcap-records.js";
import { lowContrastTexts } from "./contrast.js";
import { groupFindings } from "../../src/report/html.js";
import { STREAM_MIN_READ_BYTES } from "../../src/browser/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const webDir = join(root, "dist/web");
const page_ = join(webDir, "index.html");
const artifacts = join(root, "test-artifacts");
const lab = (name: string) => join(root, "pcaps/lab", name);
const nat = (name: string) => join(root, "pcaps/nat", name);
const alg = join(root, "pcaps/alg");

/** The CLI on the same files, run in their folder so the names in the report are the page's names. */
function cli(dir: string, args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [join(root, "bin/alg-verify.js"), ...args], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 });
    return { code: 0, stdout, stderr: "" };
  } catch (e) {
    const x = e as { status: number; stdout: string; stderr: string };
    return { code: x.status, stdout: x.stdout, stderr: x.stderr };
  }
}

interface Run {
  inside?: string;
  outside?: string;
  router?: string[];
}

const cliArgs = (r: Run) => [
  ...(r.inside ? ["--inside", r.inside] : []), ...(r.outside ? ["--outside", r.outside] : []),
  ...(r.router ?? []).flatMap((f) => ["--router", f]),
];

async function waitEngine(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.engine === "ready", null, { timeout: 15_000 });
}

async function runPage(page: Page, dir: string, r: Run, timeout = 60_000): Promise<void> {
  if (r.inside) await page.setInputFiles("#file-inside", join(dir, r.inside));
  if (r.outside) await page.setInputFiles("#file-outside", join(dir, r.outside));
  if (r.router?.length) await page.setInputFiles("#file-router", r.router.map((f) => join(dir, f)));
  await page.click("#run");
  await page.waitForFunction(() => ["done", "error"].includes(document.body.dataset.state ?? ""), null, { timeout });
}

async function downloadText(page: Page, button: string): Promise<string> {
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click(button)]);
  const p = await dl.path();
  return readFileSync(p, "utf8");
}

const exe = chromiumPath();
if (!exe && !isCi()) console.warn(`[chromium] not found — skipping the browser tests (${CHROMIUM_HINT})`);

describe.skipIf(!exe && !isCi())("web page in Chromium", () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let tmp: string;
  /** Every URL any page of this suite requested (http, file, blob, data). */
  const seen: string[] = [];
  const pageErrors: string[] = [];

  async function newPage(opts: { width?: number; height?: number } = {}): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 }, acceptDownloads: true });
    const page = await ctx.newPage();
    page.on("request", (q) => seen.push(q.url()));
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("worker", (w) => seen.push(w.url()));
    return page;
  }

  beforeAll(async () => {
    if (!exe) throw new Error(`chromium is required under CI (CI=true) but was not found: ${CHROMIUM_HINT}`);
    if (!existsSync(page_)) throw new Error(`${page_} is missing: run npm run build:web (npm test does)`);
    browser = await launchChromium();
    server = await serveStatic(webDir);
    tmp = mkdtempSync(join(tmpdir(), "alg-verify-web-"));
    mkdirSync(artifacts, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const cases: [string, string, Run][] = [
    ["lab ftp-active-helper (the npm start example)", lab("ftp-active-helper"), { inside: "inside.pcap", outside: "outside.pcap", router: ["conntrack.txt", "expect.txt"] }],
    ["lab ftp-active-no-helper (fails)", lab("ftp-active-no-helper"), { inside: "inside.pcap", outside: "outside.pcap", router: ["conntrack.txt", "expect.txt"] }],
    ["nat ftp-alg-wrong-address with Junos output (fails)", nat("ftp-alg-wrong-address"), { inside: "inside.pcap", outside: "outside.pcap", router: ["router-junos.txt"] }],
    ["lab rtsp-record-udp, outside capture only", lab("rtsp-record-udp"), { outside: "outside.pcap", router: ["conntrack.txt"] }],
    ["lab sip-udp-helper (SIP over UDP through nf_nat_sip)", lab("sip-udp-helper"), { inside: "inside.pcap", outside: "outside.pcap", router: ["conntrack.txt", "expect.txt"] }],
    ["lab sip-udp-no-helper (one-way media, fails)", lab("sip-udp-no-helper"), { inside: "inside.pcap", outside: "outside.pcap", router: ["conntrack.txt", "expect.txt"] }],
    ["lab sip-tcp-helper (SIP over TCP)", lab("sip-tcp-helper"), { inside: "inside.pcap", outside: "outside.pcap", router: ["conntrack.txt", "expect.txt"] }],
    ["lab tftp-helper (RRQ and WRQ)", lab("tftp-helper"), { inside: "inside.pcap", outside: "outside.pcap", router: ["conntrack.txt", "expect.txt"] }],
    ["lab tftp-no-helper (replies die at the router)", lab("tftp-no-helper"), { inside: "inside.pcap", outside: "outside.pcap", router: ["conntrack.txt"] }],
  ];

  it.each(cases)("%s: the page's JSON and HTML reports and Junos table equal the CLI's", async (_name, dir, r) => {
    const page = await newPage();
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    await runPage(page, dir, r);
    const htmlOut = join(tmp, "cli-report.html");
    const want = cli(dir, ["verify", ...cliArgs(r), "--json", "--html", htmlOut]);
    expect([0, 1]).toContain(want.code);
    const wantReport = JSON.parse(want.stdout);
    const got = JSON.parse(await downloadText(page, "#dl-json"));
    expect(got).toEqual(wantReport);
    // What the page shows is that report: verdict, finding codes, the predicted table.
    expect(await page.getAttribute("#verdict", "data-verdict")).toBe(wantReport.verdict);
    // Findings grouped by cause (one group per code, errors first), every message shown.
    const codes = await page.$$eval("#findings [data-code]", (els) => els.map((e) => e.getAttribute("data-code")));
    expect(codes).toEqual(groupFindings(wantReport.findings).map((g) => g.code));
    const findingsText = await page.textContent("#findings");
    for (const f of wantReport.findings) expect(findingsText).toContain(f.message);
    // One ladder diagram per session, and the HTML download is exactly `verify --html` on the same files.
    expect(await page.$$eval("svg[data-session]", (els) => els.length)).toBe(Math.min(wantReport.sessions.length, 20));
    expect(await downloadText(page, "#dl-html")).toBe(readFileSync(htmlOut, "utf8"));
    const junos = cli(dir, ["verify", ...cliArgs(r), "--format", "junos"]).stdout;
    expect(await downloadText(page, "#dl-junos")).toBe(junos);
    if (wantReport.predicted.conversations.length) expect(await page.textContent("#predicted-junos")).toBe(junos);
    await page.context().close();
  });

  /** A fresh page run on `r`; its JSON download must equal `verify --json` on the same files. */
  async function runEqualsCli(dir: string, r: Run): Promise<{ page: Page; want: any }> {
    const page = await newPage();
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    await runPage(page, dir, r);
    const want = JSON.parse(cli(dir, ["verify", ...cliArgs(r), "--json"]).stdout);
    expect(JSON.parse(await downloadText(page, "#dl-json"))).toEqual(want);
    return { page, want };
  }

  /** Texts of the cells of each body row of a table. */
  const rowsOf = (page: Page, sel: string) => page.$$eval(`${sel} tbody tr`, (trs) => trs.map((tr) => Array.from(tr.querySelectorAll(":scope > td"), (td) => td.textContent ?? "")));

  it.each([
    ["sip-udp-helper", true],
    ["sip-udp-no-helper", false],
  ] as const)("lab %s: SIP dialogs, SDP negotiations (media endpoints, RTCP), the flow table and the ladders are shown as the report says", async (name, helper) => {
    const dir = lab(name);
    const r: Run = { inside: "inside.pcap", outside: "outside.pcap", router: ["conntrack.txt", "expect.txt"] };
    const page = await newPage();
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    await runPage(page, dir, r);
    const want = JSON.parse(cli(dir, ["verify", ...cliArgs(r), "--json"]).stdout);
    expect(await page.getAttribute("#verdict", "data-verdict")).toBe(helper ? "pass" : "fail");
    // "What is each flow?" is a table (folded under its count, opened here): one row per predicted flow, the text report's columns.
    const flows = want.predicted.conversations.reduce((n: number, c: { flows: unknown[] }) => n + c.flows.length, 0);
    expect(await page.isVisible("#flow-table table")).toBe(false);
    expect(await page.textContent("#flow-table summary")).toBe(`${flows} predicted flow(s) in ${want.predicted.conversations.length} ALG conversation(s)`);
    await page.click("#flow-table summary");
    expect(await page.isVisible("#flow-table table")).toBe(true);
    expect(await page.$$eval("#flow-table thead th", (ths) => ths.map((t) => t.textContent))).toEqual(["#", "Proto", "I/O", "Flow", "NAT", "State", "Frames", "What it is"]);
    expect((await rowsOf(page, "#flow-table")).length).toBe(flows);
    expect(await page.textContent("#flow-table p")).toMatch(/^Watch = payload inspected/);
    // Negotiations: every SDP offer/answer with its media endpoint and RTCP port, as on each side.
    const negs = await rowsOf(page, "#negotiations");
    const wantNegs = want.sessions.flatMap((s: { negotiations: { kind: string; inside?: { packet: number; announced: { ip: string; port: number; rtcpPort?: number } } }[] }) => s.negotiations);
    expect(negs.length).toBe(wantNegs.length);
    expect(wantNegs.length).toBeGreaterThan(0);
    for (const [k, n] of wantNegs.entries()) {
      expect(negs[k][2]).toMatch(/→SDP$/);
      expect(negs[k][3]).toBe(String(n.inside!.packet));
      expect(negs[k][4]).toBe(`${n.inside!.announced.ip}:${n.inside!.announced.port}${n.inside!.announced.rtcpPort !== undefined ? ` (RTCP ${n.inside!.announced.rtcpPort})` : ""}`);
      expect(negs[k][9]).toMatch(/^audio (sendrecv|sendonly|recvonly|inactive) (offer|answer)/);
    }
    // SIP dialogs: every message of every dialog with its header checks, the media per direction.
    const sipSessions = want.sessions.map((s: { sip?: unknown }, i: number) => [i + 1, s.sip] as const).filter(([, x]: readonly [number, unknown]) => x);
    expect(await page.$$eval("#sip [data-sip-session]", (els) => els.map((e) => Number(e.getAttribute("data-sip-session"))))).toEqual(sipSessions.map(([i]: readonly [number, unknown]) => i));
    for (const [i, sip] of sipSessions as [number, { callId: string; messages: { name: string; fields: { status: string }[] }[]; media: { status: string }[] }][]) {
      const sel = `#sip [data-sip-session="${i}"]`;
      expect(await page.textContent(`${sel} h3`)).toContain(sip.callId);
      const msgs = await rowsOf(page, `${sel} .sip-messages`);
      expect(msgs.map((m) => m[0])).toEqual(sip.messages.map((m) => m.name));
      expect(await page.$$eval(`${sel} [data-status]`, (els) => els.map((e) => e.getAttribute("data-status")))).toEqual(sip.messages.flatMap((m) => m.fields.map((f) => f.status)));
      expect(await page.$$eval(`${sel} [data-media-status]`, (els) => els.map((e) => e.getAttribute("data-media-status")))).toEqual(sip.media.map((d) => d.status));
    }
    // Ladders: REGISTER and the other messages without SDP drawn; the INVITE's SDP from the client,
    // the 200's from the server; with the helper the INVITE's c= is rewritten, without it not, and
    // the remote party's RTP dies at the router (the classic SIP-ALG failure).
    expect(await page.$$eval("svg[data-session='1'] [data-arrow='sip']", (gs) => gs.map((g) => g.getAttribute("data-message")))).toEqual(["REGISTER", "200 REGISTER"]);
    expect(await page.getAttribute("svg[data-session='1'] [data-message='REGISTER']", "data-rewritten")).toBe(helper ? "true" : "false");
    const sdp = await page.$$eval("svg[data-session='2'] [data-arrow='control']", (gs) => gs.map((g) => [g.getAttribute("data-from"), g.getAttribute("data-rewritten")]));
    expect(sdp[0]).toEqual(["client", helper ? "true" : "false"]);
    expect(sdp[1][0]).toBe("server");
    // Flows seen in one capture only (nat.unpaired) under the NAT mappings: without the helper, the remote party's RTP.
    expect((await rowsOf(page, "#unpaired")).map((c) => c.slice(0, 2))).toEqual(want.nat.unpaired.map((u: { side: string; flow: number }) => [u.side, String(u.flow)]));
    expect(want.nat.unpaired.length > 0).toBe(!helper);
    const ends = await page.$$eval("svg[data-session='2'] [data-arrow='data']", (gs) => gs.map((g) => g.getAttribute("data-end")));
    expect(ends.includes("died-at-router")).toBe(!helper);
    expect(await page.$$eval("svg[data-session='2'] [data-arrow='sip']", (gs) => gs.map((g) => g.getAttribute("data-message")))).toEqual(expect.arrayContaining(["180 INVITE", "ACK", "BYE", "200 BYE"]));
    await page.screenshot({ path: join(artifacts, `web-${name}.png`), fullPage: true });
    await page.context().close();
  });

  it("lab tftp-helper: the RRQ and WRQ negotiations (client endpoint, the transfer) and their ladders", async () => {
    const dir = lab("tftp-helper");
    const page = await newPage();
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    await runPage(page, dir, { inside: "inside.pcap", outside: "outside.pcap", router: ["conntrack.txt"] });
    const negs = await rowsOf(page, "#negotiations");
    expect(negs.map((n) => [n[1], n[2], n[4], n[6], n[8], n[9]])).toEqual([
      ["tftp", "RRQ", "192.0.2.10:40000", "198.51.100.1:40000", "forwarded", 'RRQ "get.bin"'],
      ["tftp", "WRQ", "192.0.2.10:40001", "198.51.100.1:40001", "forwarded", 'WRQ "put.bin"'],
    ]);
    for (const id of ["1", "2"]) {
      expect(await page.getAttribute(`svg[data-session='${id}'] [data-arrow='control']`, "data-from")).toBe("client");
      expect(await page.getAttribute(`svg[data-session='${id}'] [data-arrow='data']`, "data-end")).toBe("crossed");
    }
    await page.context().close();
  });

  it("lab sip-udp-helper, profile linux, --sip-sides-dialogs 0: equals the CLI; the Linux outcome of each SDP, the REGISTER pinhole and every check are shown", async () => {
    const dir = lab("sip-udp-helper");
    const r: Run = { inside: "inside.pcap", outside: "outside.pcap", router: ["conntrack.txt", "expect.txt"] };
    const page = await newPage();
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    await page.click("details.options > summary");
    await page.selectOption("#opt-profile", "linux");
    await page.click("#limits > summary");
    await page.fill("#opt-sip-sides-dialogs", "0");
    await runPage(page, dir, r);
    const htmlOut = join(tmp, "cli-sip-linux.html");
    const args = [...cliArgs(r), "--profile", "linux", "--sip-sides-dialogs", "0"];
    const want = JSON.parse(cli(dir, ["verify", ...args, "--json", "--html", htmlOut]).stdout);
    expect(JSON.parse(await downloadText(page, "#dl-json"))).toEqual(want);
    expect(await downloadText(page, "#dl-html")).toBe(readFileSync(htmlOut, "utf8"));
    // The box took effect: the sides check examined no dialog and counted them.
    expect(want.diagnostics.map((d: { code: string }) => d.code)).toContain("sip_sides_dialog_limit");
    expect(want.checks.find((c: { check: string }) => c.check === "sides").reason).toMatch(/none examined \(--sip-sides-dialogs 0\)/);
    // Every negotiation's details name the kernel helper's outcome on each side.
    const negs = await rowsOf(page, "#negotiations");
    const list = want.sessions.flatMap((s: { negotiations: { inside: { emulation: { outcome: string; reason: string } } }[] }) => s.negotiations);
    expect(negs.length).toBe(list.length);
    for (const [k, n] of list.entries()) expect(negs[k][9]).toContain(`inside linux: ${n.inside.emulation.outcome} (${n.inside.emulation.reason})`);
    // register.linux, as the linux-register check judged it, under the REGISTER's dialog.
    const reg = want.checks.filter((c: { check: string }) => c.check === "linux-register");
    expect(reg).toHaveLength(1);
    expect(await page.$$eval("#sip [data-sip-session='1'] .linux-register", (ps) => ps.map((p) => p.textContent))).toEqual([`Linux REGISTER pinhole (${reg[0].subject}, ${reg[0].status}): ${reg[0].reason}`]);
    // Its binding as each capture shows it (sessions[].sip.register), as the CLI's JSON has it.
    const binding = want.sessions[0].sip.register;
    expect(await page.$$eval("#sip [data-sip-session='1'] .sip-register", (ps) => ps.map((p) => [p.getAttribute("data-side"), p.textContent]))).toEqual((["inside", "outside"] as const).map((k) => {
      const b = binding[k];
      return [k, `REGISTER binding (${k}): Contact ${b.contact.map((c: { uri: string }) => c.uri).join(", ")}, expires ${b.expires} s, answered ${b.status} (REGISTER @${b.packet})`];
    }));
    // Every check, its status marked: folded under their counts, the table built when opened.
    const n = (st: string) => want.checks.filter((c: { status: string }) => c.status === st).length;
    expect(await page.textContent("#checks > summary")).toBe(`Checks (${want.checks.length}: ${n("passed")} passed, ${n("failed")} failed, ${n("not-checked")} not checked)`);
    expect(await page.$$("#checks table")).toHaveLength(0);
    await page.click("#checks > summary");
    // the table is built by the details' toggle event, a task queued after the click returns
    await page.waitForSelector("#checks table");
    expect((await rowsOf(page, "#checks")).map((c) => c.slice(0, 3))).toEqual(want.checks.map((c: { check: string; subject: string; status: string }) => [c.check, c.subject, c.status]));
    expect(await page.$$eval("#checks [data-check-status]", (els) => els.map((e) => e.getAttribute("data-check-status")))).toEqual(want.checks.map((c: { status: string }) => c.status));
    await page.screenshot({ path: join(artifacts, "web-sip-linux.png"), fullPage: true });
    await page.context().close();
  });

  it.each([
    ["lab tftp-no-helper", lab("tftp-no-helper"), { inside: "inside.pcap", outside: "outside.pcap", router: ["conntrack.txt"] }],
    ["nat tftp-error-alg", nat("tftp-error-alg"), { inside: "inside.pcap", outside: "outside.pcap" }],
    ["public ndpi-tftp-mixed-wrq-blksize (outside capture only)", join(root, "../shared/pcaps/public/ndpi"), { outside: "ndpi-tftp-mixed-wrq-blksize.pcap" }],
  ] as [string, string, Run][])("%s: the TFTP transfers table shows sessions[].tftp, one row per request and capture", async (_name, dir, r) => {
    const { page, want } = await runEqualsCli(dir, r);
    type T = { opcode: string; filename: string; mode: string; inside?: { outcome: string; blocks: number; bytes: number }; outside?: { outcome: string; blocks: number; bytes: number } };
    const rows = want.sessions.flatMap((s: { tftp?: T }, i: number) => (s.tftp ? (["inside", "outside"] as const).flatMap((k) => {
      const x = s.tftp![k];
      return x ? [[String(i + 1), `${s.tftp!.opcode} ${JSON.stringify(s.tftp!.filename)} ${s.tftp!.mode}`, k, x.outcome, String(x.blocks), String(x.bytes)]] : [];
    }) : []));
    expect(rows.length).toBeGreaterThan(0);
    expect((await rowsOf(page, "#tftp")).map((c) => [c[0], c[1], c[3], c[4], c[5], c[6]])).toEqual(rows);
    expect(await page.$$eval("#tftp [data-tftp-outcome]", (els) => els.map((e) => e.getAttribute("data-tftp-outcome")))).toEqual(rows.map((x: string[]) => x[3]));
    const ended = (await rowsOf(page, "#tftp")).map((c) => c[11]);
    for (const s of want.sessions) for (const k of ["inside", "outside"]) if (s.tftp?.[k]?.error) expect(ended).toContain(`ERROR ${s.tftp[k].error.code} "${s.tftp[k].error.message}" from the ${s.tftp[k].error.from} at packet ${s.tftp[k].error.packet}`);
    // The request's notes per capture (retries, malformed, cut), as the CLI's JSON has them.
    type N = { retries?: number[]; malformed?: true; truncated?: true };
    const notes = want.sessions.flatMap((s: { tftp?: Record<string, N | undefined> }) => (s.tftp ? (["inside", "outside"] as const).flatMap((k) => {
      const x = s.tftp![k];
      return x ? [[x.retries?.length && `request repeated ${x.retries.length} time(s) before any answer @${x.retries.join(",")}`, x.malformed && "request malformed", x.truncated && "request cut (snaplen or over 1024 bytes)"].filter(Boolean).join("; ") || "-"] : [];
    }) : []));
    expect((await rowsOf(page, "#tftp")).map((c) => c[12])).toEqual(notes);
    // The outcomes and failed checks marked in colour keep 4.5:1 contrast like every other text.
    expect(await page.evaluate(lowContrastTexts)).toEqual([]);
    await page.context().close();
  });

  it("nat sip-udp-reinvite-inactive: media a re-INVITE stopped before any was sent shows `stopped` and the message that ended it", async () => {
    const dir = nat("sip-udp-reinvite-inactive");
    const r: Run = { inside: "inside.pcap", outside: "outside.pcap" };
    const { page, want } = await runEqualsCli(dir, r);
    type M = { status: string; ended?: { why: string; command: string } };
    const media: M[] = want.sessions.flatMap((s: { sip?: { media: M[] } }) => s.sip?.media ?? []);
    expect(media.map((d) => d.status)).toContain("stopped");
    expect(await page.$$eval("#sip [data-media-status]", (els) => els.map((e) => e.getAttribute("data-media-status")))).toEqual(media.map((d) => d.status));
    const cells = await rowsOf(page, "#sip .sip-media");
    expect(cells.length).toBe(media.length);
    for (const [k, d] of media.entries()) {
      if (d.ended) expect(cells[k][7]).toMatch(new RegExp(`^${d.ended.why}.*: ${d.ended.command}`));
      else expect(cells[k][7]).toBe("");
    }
    // The negotiation whose media was stopped says where (media.until on each side).
    const negs = await rowsOf(page, "#negotiations");
    const list = want.sessions.flatMap((s: { negotiations: { inside?: { media?: { until?: { packet: number; command: string } } } }[] }) => s.negotiations);
    const stopped = list.flatMap((n: { inside?: { media?: { until?: { packet: number; command: string } } } }, k: number) => (n.inside?.media?.until ? [[k, n.inside.media.until] as const] : []));
    expect(stopped.length).toBeGreaterThan(0);
    for (const [k, u] of stopped) expect(negs[k][9]).toContain(`inside stopped @${u.packet} by ${u.command}`);
    await page.context().close();
  });

  it("SIP/TFTP ports, VXLAN ports and the limits: each equals the CLI option of the same name", async () => {
    const page = await newPage();
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    await page.click("details.options > summary");
    await page.click("#limits > summary");
    const runs: [string, Record<string, string>, string[], string?][] = [
      ["sip-udp-basic.pcap", {}, []],
      ["sip-udp-basic.pcap", { "#opt-sip": "5080" }, ["--sip-ports", "5080"]],
      ["sip-udp-basic.pcap", { "#opt-sip": "none" }, ["--sip-ports", "none"]],
      ["sip-udp-basic.pcap", { "#opt-sip": "5060", "#opt-max-negotiations": "1", "#opt-max-flows": "16" }, ["--max-negotiations", "1", "--max-flows", "16"]],
      ["tftp-options-oack.pcap", { "#opt-max-negotiations": "", "#opt-max-flows": "" }, []],
      ["tftp-options-oack.pcap", { "#opt-tftp": "70" }, ["--tftp-ports", "70"]],
      ["tftp-options-oack.pcap", {
        "#opt-tftp": "69", "#opt-vxlan": "none", "#opt-max-tftp-transfers": "0", "#opt-max-tftp-sessions": "1", "#opt-max-control-streams": "1", "#opt-control-idle": "5",
        "#opt-max-tunnel-depth": "0", "#opt-reasm-datagrams": "0", "#opt-reasm-bytes": "100", "#opt-reasm-timeout": "2", "#opt-profile": "linux",
      }, ["--vxlan-ports", "none", "--max-tftp-transfers", "0", "--max-tftp-sessions", "1", "--max-control-streams", "1", "--control-idle", "5", "--max-tunnel-depth", "0", "--reasm-datagrams", "0", "--reasm-bytes", "100", "--reasm-timeout", "2", "--profile", "linux"]],
      // A REGISTER dialog, then an INVITE one: SIP read up to the INVITE (sip_dialog_limit).
      ["inside.pcap", { "#opt-max-sip-dialogs": "1" }, ["--vxlan-ports", "none", "--max-tftp-transfers", "0", "--max-tftp-sessions", "1", "--max-control-streams", "1", "--control-idle", "5", "--max-tunnel-depth", "0", "--reasm-datagrams", "0", "--reasm-bytes", "100", "--reasm-timeout", "2", "--profile", "linux", "--max-sip-dialogs", "1"], join(root, "pcaps/lab/sip-udp-helper")],
    ];
    const sessions: number[] = [];
    for (const [file, fields, args, dir = alg] of runs) {
      for (const [sel, v] of Object.entries(fields)) {
        if (sel === "#opt-profile") await page.selectOption(sel, v);
        else await page.fill(sel, v);
      }
      await page.setInputFiles("#file-inside", join(dir, file));
      await page.click("#run");
      await page.waitForFunction(() => document.body.dataset.state === "done" || document.body.dataset.state === "error");
      const want = JSON.parse(cli(dir, ["verify", "--inside", file, ...args, "--json"]).stdout);
      const got = JSON.parse(await downloadText(page, "#dl-json"));
      expect(got, `${file} ${args.join(" ")}`).toEqual(want);
      sessions.push(got.sessions.length);
      await page.click("#inputs-box > summary");
    }
    // The options changed what was analyzed: SIP off port 5080, SIP not looked for, TFTP off port 70, the limits counted.
    expect(sessions.slice(0, 3)).toEqual([1, 0, 0]);
    expect(sessions.slice(4, 6)).toEqual([1, 0]);
    expect(sessions[7]).toBe(1);
    // A limit out of the CLI's range is refused with the field's name.
    await page.fill("#opt-max-flows", "8");
    await page.click("#run");
    expect(await page.textContent("#status")).toMatch(/Flows per capture \(--max-flows\): expected a whole number 16–50000000/);
    await page.fill("#opt-max-flows", "");
    await page.fill("#opt-vxlan", "4789,x");
    await page.click("#run");
    expect(await page.textContent("#status")).toMatch(/vxlan ports: expected numbers 1–65535 separated by commas, or none/);
    await page.context().close();
  });

  it("after a run the inputs fold away: verdict, answers and the first diagram are on the first 1280×800 screen", async () => {
    const page = await newPage({ width: 1280, height: 800 });
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    expect(await page.$eval("#inputs-box", (e) => (e as HTMLDetailsElement).open)).toBe(true);
    await runPage(page, lab("ftp-active-no-helper"), { inside: "inside.pcap", outside: "outside.pcap", router: ["conntrack.txt", "expect.txt"] });
    expect(await page.$eval("#inputs-box", (e) => (e as HTMLDetailsElement).open)).toBe(false);
    expect(await page.textContent("#inputs-summary")).toContain("inside.pcap, outside.pcap, conntrack.txt, expect.txt");
    const box = (sel: string) => page.$eval(sel, (e) => { const b = e.getBoundingClientRect(); return { top: b.top, bottom: b.bottom, height: b.height }; });
    for (const sel of ["#verdict", "#answers", "svg[data-session] [data-arrow='control']", "svg[data-session] [data-arrow='data']", "#dl-html"]) {
      const b = await box(sel);
      expect(b.height, sel).toBeGreaterThan(0);
      expect(b.top, sel).toBeGreaterThanOrEqual(0);
      expect(b.bottom, sel).toBeLessThanOrEqual(800);
    }
    // The drawing says what the findings say: PORT not rewritten, the data connection died at the router.
    expect(await page.getAttribute("svg[data-session] [data-arrow='control']", "data-rewritten")).toBe("false");
    expect(await page.getAttribute("svg[data-session] [data-arrow='data']", "data-end")).toBe("died-at-router");
    expect((await box("svg[data-topology]")).height).toBeGreaterThan(40);
    // Times relative to the first timeline entry.
    const times = await page.$$eval("#timeline tbody tr td:first-child", (tds) => tds.map((t) => t.textContent));
    expect(times[0]).toBe("+0.000 ms");
    for (const t of times) expect(t).toMatch(/^[+−]\d+\.\d{3} (ms|s)$/);
    // Opening the summary shows the inputs again.
    await page.click("#inputs-box > summary");
    expect(await page.$eval("#inputs-box", (e) => (e as HTMLDetailsElement).open)).toBe(true);
    await page.screenshot({ path: join(artifacts, "web-report-first-screen.png") });
    await page.context().close();
  });

  it("opened from the file system (file://) it runs the same engine, and a screenshot is saved", async () => {
    const page = await newPage();
    await page.goto(pathToFileURL(page_).href);
    await waitEngine(page);
    const dir = lab("ftp-active-helper");
    const r: Run = { inside: "inside.pcap", outside: "outside.pcap", router: ["conntrack.txt", "expect.txt"] };
    await runPage(page, dir, r);
    const want = JSON.parse(cli(dir, ["verify", ...cliArgs(r), "--json"]).stdout);
    expect(JSON.parse(await downloadText(page, "#dl-json"))).toEqual(want);
    // 1280×800: nothing wider than the window.
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(artifacts, "web-report.png"), fullPage: true });
    await page.context().close();
  });

  it("drag and drop on the page: captures fill inside then outside, text is router output", async () => {
    const page = await newPage();
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    const dir = lab("ftp-passive-helper");
    const files = ["inside.pcap", "outside.pcap", "conntrack.txt"].map((f) => ({ name: f, b64: readFileSync(join(dir, f)).toString("base64") }));
    await page.evaluate((fs) => {
      const dt = new DataTransfer();
      for (const f of fs) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
      document.querySelector(".hint")!.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, files);
    await page.waitForFunction(() => document.getElementById("picked-outside")!.textContent !== "");
    expect(await page.textContent("#picked-inside")).toMatch(/^inside\.pcap/);
    expect(await page.textContent("#picked-outside")).toMatch(/^outside\.pcap/);
    expect(await page.textContent("#picked-router")).toMatch(/^conntrack\.txt/);
    await page.click("#run");
    await page.waitForFunction(() => document.body.dataset.state === "done");
    const want = JSON.parse(cli(dir, ["verify", "--inside", "inside.pcap", "--outside", "outside.pcap", "--router", "conntrack.txt", "--json"]).stdout);
    expect(JSON.parse(await downloadText(page, "#dl-json"))).toEqual(want);
    await page.context().close();
  });

  it("pasted router output is read as a router file named \"pasted\"", async () => {
    const src = lab("ftp-active-helper");
    for (const f of ["inside.pcap", "outside.pcap"]) writeFileSync(join(tmp, f), readFileSync(join(src, f)));
    const text = readFileSync(join(src, "conntrack.txt"), "utf8");
    writeFileSync(join(tmp, "pasted"), text);
    const page = await newPage();
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    await page.fill("#router-text", text);
    await runPage(page, tmp, { inside: "inside.pcap", outside: "outside.pcap" });
    const want = JSON.parse(cli(tmp, ["verify", "--inside", "inside.pcap", "--outside", "outside.pcap", "--router", "pasted", "--json"]).stdout);
    expect(want.inputs.router).toEqual(["pasted"]);
    expect(JSON.parse(await downloadText(page, "#dl-json"))).toEqual(want);
    await page.context().close();
  });

  it("a router file longer than --max-router-lines is refused before the run, the line named; one of exactly the limit runs", async () => {
    const src = lab("ftp-active-helper");
    const text = readFileSync(join(src, "conntrack.txt"), "utf8");
    const lines = text.split("\n").filter(Boolean).length;
    const page = await newPage();
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    await page.click("details.options > summary");
    await page.click("#limits > summary");
    expect(await page.inputValue("#opt-max-router-lines")).toBe("1000000");
    await page.fill("#opt-max-router-lines", String(lines - 1));
    await page.fill("#router-text", text);
    await page.setInputFiles("#file-inside", join(src, "inside.pcap"));
    await page.click("#run");
    await page.waitForFunction(() => /max-router-lines/.test(document.getElementById("status")?.textContent ?? ""));
    expect(await page.textContent("#status")).toContain(`pasted: line ${lines} is past --max-router-lines ${lines - 1}: the comparison holds every record it reads`);
    expect(await page.evaluate(() => document.body.dataset.state)).not.toBe("running");
    await page.fill("#opt-max-router-lines", String(lines));
    await runPage(page, src, { inside: "inside.pcap", outside: "outside.pcap" });
    expect(await page.evaluate(() => document.body.dataset.state)).toBe("done");
    expect(JSON.parse(await downloadText(page, "#dl-json")).inputs.router).toEqual(["pasted"]);
    await page.context().close();
  });

  it("a damaged capture shows the CLI's located error and the partial report", async () => {
    const good = readFileSync(join(lab("ftp-active-helper"), "inside.pcap"));
    const cut = good.subarray(0, good.length - 37); // ends inside the last record
    writeFileSync(join(tmp, "cut.pcap"), cut);
    const page = await newPage();
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    await runPage(page, tmp, { inside: "cut.pcap" });
    const want = cli(tmp, ["verify", "--inside", "cut.pcap"]);
    expect(want.code).toBe(2);
    const line = want.stderr.trim().split("\n").at(-1)!;
    expect(line).toMatch(/cut\.pcap.*byte \d+|cut\.pcap:\d+|offset/);
    expect(await page.textContent("#input-error code")).toBe(line);
    expect(await page.textContent("#status")).toMatch(/damaged capture/);
    const got = JSON.parse(await downloadText(page, "#dl-json"));
    expect(got).toEqual(JSON.parse(cli(tmp, ["verify", "--inside", "cut.pcap", "--json"]).stdout));
    expect(got.captures.inside.partial).toBe(true);
    expect(await page.textContent("#flows-inside-h")).toMatch(/PARTIAL/);
    await page.context().close();
  });

  it("a 200 MB capture streams through with several progress updates, constant wasm memory, a lazy flow table, and can be cancelled", async () => {
    const big = join(tmp, "big.pcap");
    const gen = await generateBenchCapture(big, { bytes: 200 * 1024 * 1024, flows: 20_000, seed: 3 });
    const page = await newPage();
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    // Cancel first: stop after the first progress update, then the page is usable again.
    await page.setInputFiles("#file-inside", big);
    // The click comes from an observer of the first progress update, in the page, before the
    // worker's next message can be handled: a fast run cannot finish between the update and the
    // click (a click from the test could come after the run was done, under load).
    await page.evaluate(() => {
      const w = window as unknown as { cancelled?: Promise<void> };
      w.cancelled = new Promise<void>((resolve) => {
        const obs = new MutationObserver(() => {
          if (Number(document.body.dataset.progressUpdates ?? 0) < 1 || document.body.dataset.state !== "running") return;
          obs.disconnect();
          document.querySelector<HTMLButtonElement>("#cancel")!.click();
          resolve();
        });
        obs.observe(document.body, { attributes: true, attributeFilter: ["data-progress-updates"] });
      });
    });
    await page.click("#run");
    await page.evaluate(() => (window as unknown as { cancelled: Promise<void> }).cancelled);
    expect(await page.getAttribute("body", "data-state")).toBe("cancelled");
    expect(await page.isEnabled("#run")).toBe(true);
    await waitEngine(page);
    // The whole run.
    await page.click("#run");
    await page.waitForFunction(() => document.body.dataset.state === "done", null, { timeout: 120_000 });
    const updates = Number(await page.getAttribute("body", "data-progress-updates"));
    expect(updates).toBeGreaterThanOrEqual(3); // at most one per 100 ms (web/src/worker.ts), the last at 100 %
    const report = JSON.parse(await downloadText(page, "#dl-json"));
    expect(report.captures.inside.packets).toBe(gen.packets);
    expect(report.captures.inside.flows).toBe(gen.flows);
    expect(report.captures.inside.partial).toBe(false);
    // Its 30 k-flow table is built only when opened; then filter and sort work on all flows.
    expect(await page.$$("#flows-inside table")).toHaveLength(0);
    await page.click("#flows-inside summary");
    await page.waitForSelector("#flows-inside table.flow-table");
    expect(await page.textContent("#flows-inside .count")).toBe(`${gen.flows} of ${gen.flows} flows match; first 500 shown`);
    expect(await page.$$eval("#flows-inside tbody tr", (rows) => rows.length)).toBe(500);
    await page.fill("#flows-inside input[type=search]", "udp");
    await page.waitForFunction((total) => !document.querySelector("#flows-inside .count")!.textContent!.startsWith(`${total} of`), gen.flows);
    const udp = await page.$$eval("#flows-inside tbody tr td:nth-child(2)", (tds) => tds.map((t) => t.textContent));
    expect(udp.length).toBeGreaterThan(0);
    expect(udp.every((t) => t!.startsWith("udp"))).toBe(true);
    // Sort by packets initiator→responder, descending on the first click of a numeric column.
    await page.click("#flows-inside th:nth-child(5) button");
    const pk = await page.$$eval("#flows-inside tbody tr td:nth-child(5)", (tds) => tds.map((t) => Number(t.textContent)));
    expect(pk).toEqual([...pk].sort((a, b) => b - a));
    const mem = await page.$eval("#timing span", (e) => ({
      bytes: Number((e as HTMLElement).dataset.bytes), wasm: Number((e as HTMLElement).dataset.wasmBytes),
      reads: Number((e as HTMLElement).dataset.reads), stalls: Number((e as HTMLElement).dataset.stalls),
      ms: Number((e as HTMLElement).dataset.ms), waitMs: Number((e as HTMLElement).dataset.waitMs),
    }));
    expect(mem.bytes).toBe(gen.bytes);
    // Of the worker's time on the capture, the part spent awaiting the File's bytes.
    expect(mem.waitMs).toBeGreaterThan(0);
    expect(mem.waitMs).toBeLessThanOrEqual(mem.ms);
    // Chromium honours the BYOB reads' `min`: at least STREAM_MIN_READ_BYTES a read but for the
    // last (a reader taking what has arrived makes thousands of ~70 KiB reads of this file). A
    // stalled read hands the rest to the default reader, whose chunks are its own.
    expect(mem.reads).toBeGreaterThan(0);
    if (mem.stalls === 0) expect(mem.reads).toBeLessThanOrEqual(Math.ceil(gen.bytes / STREAM_MIN_READ_BYTES) + 1);
    // The wasm memory of the 200 MB run is the fixed window + tables: the same as for a 6 KB capture.
    const small = await newPage();
    await small.goto(server.origin + "/index.html");
    await waitEngine(small);
    await runPage(small, lab("ftp-active-helper"), { inside: "inside.pcap" });
    const smallWasm = Number(await small.$eval("#timing span", (e) => (e as HTMLElement).dataset.wasmBytes));
    expect(mem.wasm).toBeGreaterThan(0);
    expect(mem.wasm).toBe(smallWasm);
    await small.context().close();
    await page.context().close();
  });

  it("one capture holding both sides, split by interface, with NAT hints and a clock offset: equals the CLI", async () => {
    const ex = (f: string) => join(root, "pcaps/example", f);
    writeFileSync(join(tmp, "both.pcapng"), mergeSidesPcapng(ex("ftp-active-nat-inside.pcap"), ex("ftp-active-nat-outside.pcap")));
    const page = await newPage();
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    await page.setInputFiles("#file-inside", join(tmp, "both.pcapng"));
    await page.click("details.options > summary");
    await page.fill("#opt-inside-if", "0");
    await page.fill("#opt-outside-if", "pcapng:1");
    await page.fill("#opt-nat", "203.0.113.1, 203.0.113.7");
    await page.fill("#opt-nets", "192.0.2.0/24");
    await page.fill("#opt-offset", "0.25");
    await page.click("#run");
    await page.waitForFunction(() => document.body.dataset.state === "done");
    const want = cli(tmp, ["verify", "--capture", "both.pcapng", "--inside-if", "0", "--outside-if", "1", "--nat-address", "203.0.113.1", "--nat-address", "203.0.113.7", "--inside-net", "192.0.2.0/24", "--clock-offset", "0.25", "--json"]);
    const wantReport = JSON.parse(want.stdout);
    expect(wantReport.captures.outside.file).toBe("both.pcapng");
    expect(JSON.parse(await downloadText(page, "#dl-json"))).toEqual(wantReport);
    // Both boxes filled is refused while the interfaces are set.
    await page.setInputFiles("#file-outside", join(tmp, "both.pcapng"));
    await page.click("#run");
    expect(await page.textContent("#status")).toMatch(/leave the outside box empty/);
    await page.click("#inputs-box > summary");
    await page.fill("#opt-outside-if", "x9");
    await page.click("#run");
    expect(await page.textContent("#status")).toMatch(/give both interfaces, each a pcapng interface number/);
    await page.fill("#opt-outside-if", "1");
    await page.setInputFiles("#file-outside", []);
    await page.fill("#opt-nat", "203.0.113.999");
    await page.click("#run");
    expect(await page.textContent("#status")).toMatch(/NAT addresses: "203\.0\.113\.999" is not an IPv4 or IPv6 address/);
    await page.context().close();
  });

  it("bad options are refused with a message, and a file that is no capture gets the CLI's error", async () => {
    const page = await newPage();
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    await page.setInputFiles("#file-inside", join(lab("ftp-active-helper"), "inside.pcap"));
    await page.click("details.options > summary");
    await page.fill("#opt-ftp", "21,abc");
    await page.click("#run");
    expect(await page.textContent("#status")).toMatch(/ftp ports: expected numbers 1–65535/);
    expect(await page.getAttribute("body", "data-state")).toBeNull();
    await page.fill("#opt-ftp", "21");
    // One file picked for both sides: refused, as the CLI's same_capture.
    await page.setInputFiles("#file-outside", join(lab("ftp-active-helper"), "inside.pcap"));
    await page.click("#run");
    expect(await page.textContent("#status")).toMatch(/^The inside and outside boxes hold the same file \(inside\.pcap\): one capture point shows no NAT/);
    expect(await page.getAttribute("body", "data-state")).toBeNull();
    await page.setInputFiles("#file-outside", []);
    // A router text picked as a capture: the engine's located bad_magic error, as the CLI prints it.
    const dir = lab("ftp-active-helper");
    await runPage(page, dir, { inside: "conntrack.txt" });
    const want = cli(dir, ["verify", "--inside", "conntrack.txt"]);
    expect(want.code).toBe(2);
    expect(await page.textContent("#input-error code")).toBe(want.stderr.trim().split("\n").at(-1));
    expect(await page.textContent("#input-error code")).toMatch(/bad_magic|not a capture file/);
    await page.context().close();
  });

  it("privacy: no request beyond the page itself, connections refused by the CSP, locally-processed notice", async () => {
    const page = await newPage();
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', "content");
    expect(csp).toMatch(/connect-src 'none'/);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).not.toMatch(/'unsafe-inline'|'unsafe-eval'|https?:|\*/);
    const fetched = await page.evaluate(async (o) => {
      try {
        await fetch(o + "/index.html");
        return "fetched";
      } catch (e) {
        return String(e);
      }
    }, server.origin);
    expect(fetched).toMatch(/TypeError|Failed to fetch/);
    expect(await page.textContent("#privacy")).toMatch(/never leave this machine/);
    await page.context().close();
    // Over the whole suite: the http server saw only the page, and the browser asked for nothing else.
    expect(new Set(server.requests)).toEqual(new Set(["/index.html"]));
    const foreign = seen.filter((u) => !(u === server.origin + "/index.html" || u.startsWith(`blob:${server.origin}/`) || u.startsWith("blob:null/") || u === pathToFileURL(page_).href || u.startsWith("data:")));
    expect(foreign).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it("works in a narrow window, every text has 4.5:1 contrast, and the pickers are reachable with the keyboard", async () => {
    const page = await newPage({ width: 390, height: 800 });
    await page.goto(server.origin + "/index.html");
    await waitEngine(page);
    await runPage(page, lab("ftp-active-helper"), { inside: "inside.pcap", outside: "outside.pcap", router: ["conntrack.txt", "expect.txt"] });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // Readable contrast (WCAG 2 AA, 4.5:1) for every text element of the rendered report.
    const low = await page.evaluate(lowContrastTexts);
    expect(low).toEqual([]);
    await page.goto(server.origin + "/index.html");
    const reached: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("Tab");
      reached.push(await page.evaluate(() => document.activeElement?.id ?? ""));
    }
    expect(reached).toEqual(expect.arrayContaining(["file-inside", "file-outside", "router-text", "file-router"]));
    await page.context().close();
  });
});
