/**
 * TFTP in `analyze`: the generated cases (pcaps/alg/tftp-*, generator pcaps/make/tftp-cases.ts)
 * against their generator's `tftp` record (the negotiations are checked with every other ALG case
 * in cases.test.ts); the limits — --max-tftp-transfers (table full: evicted and counted, 0: not
 * followed), --max-tftp-sessions (counted, not kept) — on a capture written here with six
 * transfers at once; the same sessions whatever the read size; the text report.
 */
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeFile } from "../../src/node/index.js";
import { DEFAULT_EPOCH_NS, IpProto, LinkType, ethernetFor, ipPacket, udp, writePcap } from "../helpers/pcap-writer.js";
import { tftp } from "../../pcaps/make/tftp-cases.js";
import { runCli } from "../cli/run.js";
import { manifest } from "../capture/manifest.js";
import { verifyValidator } from "../helpers/verify-schema.js";
import Ajv2020Module from "ajv/dist/2020.js";
import { tempDir } from "../helpers/tmp.js";
import { laterCopy } from "../helpers/pcap-records.js";

/** This file's temp dir, removed after its tests. */
const tmp = tempDir("alg-verify-tftp-");

const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;

const load = (f: string) => JSON.parse(readFileSync(new URL(`../../schema/${f}`, import.meta.url), "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
ajv.addSchema(load("flows.schema.json"));
const validateAnalyze = ajv.compile(load("analyze.schema.json"));
const validateVerify = verifyValidator();

const dir = new URL("../../pcaps/alg/", import.meta.url).pathname;
const cases = readdirSync(dir).filter((f) => f.startsWith("tftp-") && f.endsWith(".expected.json")).map((f) => f.replace(".expected.json", ""));

describe("generated TFTP cases: the transfer", () => {
  it("are all here", () => expect(cases.length).toBeGreaterThanOrEqual(10));
  for (const name of cases) {
    it(name, async () => {
      const want = JSON.parse(readFileSync(`${dir}${name}.expected.json`, "utf8"));
      const { sessions } = await analyzeFile(`${dir}${name}.pcap`, { flowCapLog2: 8 });
      expect(sessions.map((s) => s.alg)).toEqual(want.sessions.map((s: { alg: string }) => s.alg));
      want.sessions.forEach((ws: { tftp: Record<string, unknown> }, i: number) => {
        const { transferFlow: _flow, ...got } = sessions[i].tftp!;
        expect(got).toEqual(ws.tftp);
      });
    });
  }
});

/** UDP records for [src, sport, dst, dport, payload] rows, `gapNs` apart. */
function udpRecords(pkts: [string, number, string, number, Uint8Array][], gapNs = 1_000_000n) {
  let t = DEFAULT_EPOCH_NS;
  return pkts.map(([src, sp, dst, dp, payload], i) => {
    t += gapNs;
    const l3 = ipPacket({ src, dst, proto: IpProto.UDP, id: i & 0xffff, payload: udp({ src, dst, srcPort: sp, dstPort: dp, payload }) });
    return { ts: t, data: ethernetFor(l3) };
  });
}

/** Six RRQs from ports 50001-50006 first, then each server port answers with one full block and a short one. */
function sixAtOnce(): string {
  const C = "192.0.2.10";
  const S = "198.51.100.20";
  const pkts: [string, number, string, number, Uint8Array][] = [];
  for (let i = 1; i <= 6; i++) pkts.push([C, 50000 + i, S, 69, tftp.request(1, `f${i}`, "octet")]);
  for (let i = 1; i <= 6; i++) {
    pkts.push([S, 40000 + i, C, 50000 + i, tftp.data(1, 512)], [C, 50000 + i, S, 40000 + i, tftp.ack(1)]);
    pkts.push([S, 40000 + i, C, 50000 + i, tftp.data(2, 10)], [C, 50000 + i, S, 40000 + i, tftp.ack(2)]);
  }
  const file = join(mkdtempSync(join(tmp, "tftp-")), "six.pcap");
  writeFileSync(file, writePcap(udpRecords(pkts, 10_000_000n), { linkType: LinkType.ETHERNET }));
  return file;
}

describe("TFTP limits", () => {
  const file = sixAtOnce();
  it("six transfers at once are followed to their end with the default table", async () => {
    const { sessions, scan } = await analyzeFile(file, {});
    expect(sessions.map((s) => [s.tftp!.filename, s.tftp!.outcome, s.tftp!.blocks, s.tftp!.bytes])).toEqual(
      [1, 2, 3, 4, 5, 6].map((i) => [`f${i}`, "completed", 2, 522]));
    expect(scan.diagnostics.filter((d) => d.code.startsWith("tftp_"))).toEqual([]);
    expect(scan.stats.tftpRequests).toBe(6);
  });
  it("--max-tftp-transfers 4: the two idlest are evicted, counted and said", async () => {
    const { sessions, scan } = await analyzeFile(file, { maxTftpTransfers: 4 });
    const evicted = sessions.filter((s) => s.tftp!.stopped === "evicted");
    expect(evicted.map((s) => s.tftp!.filename)).toEqual(["f1", "f2"]);
    for (const s of evicted) expect(s.tftp!.outcome).toBe("incomplete");
    expect(sessions.filter((s) => s.tftp!.outcome === "completed").length).toBe(4);
    const d = scan.diagnostics.find((x) => x.code === "tftp_table_full");
    expect(d?.count).toBe(2);
    expect(d?.packet).toBe(5);
    expect(scan.stats.tftpEvicted).toBe(2);
  });
  it("--max-tftp-transfers 0: requests only, said per session", async () => {
    const { sessions } = await analyzeFile(file, { maxTftpTransfers: 0 });
    expect(sessions.length).toBe(6);
    for (const s of sessions) {
      expect(s.tftp!.stopped).toBe("not-followed");
      expect(s.tftp!.transferFlow).toBeUndefined();
    }
  });
  it("--max-tftp-sessions 2: the rest counted, not kept", async () => {
    const { sessions, scan } = await analyzeFile(file, { maxTftpSessions: 2 });
    expect(sessions.map((s) => s.tftp!.filename)).toEqual(["f1", "f2"]);
    const d = scan.diagnostics.find((x) => x.code === "tftp_session_limit");
    expect(d?.count).toBe(4);
    expect(d?.packet).toBe(3);
  });
  it("the CLI takes the limits", async () => {
    const r = await runCli("analyze", file, "--json", "--max-tftp-transfers", "4");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).diagnostics.map((d: { code: string }) => d.code)).toContain("tftp_table_full");
  });
});


/**
 * Two RRQs; the client of f1 sends its ACK of block 1 five times more (packets 6-10), f2's client
 * its ACK of block 1 twice more (packets 14-15); then both end with a short block.
 */
function repeatedAcks(): string {
  const C = "192.0.2.10";
  const S = "198.51.100.20";
  const pkts: [string, number, string, number, Uint8Array][] = [
    [C, 50001, S, 69, tftp.request(1, "f1", "octet")],
    [C, 50002, S, 69, tftp.request(1, "f2", "octet")],
    [S, 40001, C, 50001, tftp.data(1, 512)], [C, 50001, S, 40001, tftp.ack(1)],
    [S, 40002, C, 50002, tftp.data(1, 512)],
  ];
  for (let i = 0; i < 5; i++) pkts.push([C, 50001, S, 40001, tftp.ack(1)]);
  pkts.push([S, 40001, C, 50001, tftp.data(2, 10)], [C, 50001, S, 40001, tftp.ack(2)]);
  pkts.push([C, 50002, S, 40002, tftp.ack(1)], [C, 50002, S, 40002, tftp.ack(1)], [C, 50002, S, 40002, tftp.ack(1)]);
  pkts.push([S, 40002, C, 50002, tftp.data(2, 10)], [C, 50002, S, 40002, tftp.ack(2)]);
  const file = join(mkdtempSync(join(tmp, "tftp-")), "acks.pcap");
  writeFileSync(file, writePcap(udpRecords(pkts), { linkType: LinkType.ETHERNET }));
  return file;
}

describe("TFTP repeated ACKs: the count's limit (--max-tftp-duplicate-acks)", () => {
  const file = repeatedAcks();
  // verify's other side: the same packets later (laterCopy).
  const copy = laterCopy(file, file.replace(/\.pcap$/, "-later.pcap"));
  const acks = (sessions: { tftp?: { filename: string; duplicateAcks: number; duplicateAcksCapped?: { packet: number }; outcome: string } }[]) =>
    sessions.map((s) => [s.tftp!.filename, s.tftp!.duplicateAcks, s.tftp!.duplicateAcksCapped?.packet, s.tftp!.outcome]);
  it("below the limit: every repeat counted, no diagnostic", async () => {
    const { sessions, scan } = await analyzeFile(file, {});
    expect(acks(sessions)).toEqual([["f1", 5, undefined, "completed"], ["f2", 2, undefined, "completed"]]);
    expect(scan.diagnostics.filter((d) => d.code === "tftp_duplicate_acks_capped")).toEqual([]);
  });
  it("limit 3: f1's count stops at 3, its fourth repeat (packet 9) is said; f2 (2) is whole", async () => {
    const { sessions, scan } = await analyzeFile(file, { maxTftpDuplicateAcks: 3 });
    expect(acks(sessions)).toEqual([["f1", 3, 9, "completed"], ["f2", 2, undefined, "completed"]]);
    const d = scan.diagnostics.filter((x) => x.code === "tftp_duplicate_acks_capped");
    expect(d.map((x) => [x.count, x.packet])).toEqual([[1, 9]]);
  });
  it("limit 0: both capped at their first repeat, counted once per transfer, dated at the first", async () => {
    const { sessions, scan } = await analyzeFile(file, { maxTftpDuplicateAcks: 0 });
    expect(acks(sessions)).toEqual([["f1", 0, 6, "completed"], ["f2", 0, 14, "completed"]]);
    const d = scan.diagnostics.filter((x) => x.code === "tftp_duplicate_acks_capped");
    expect(d.map((x) => [x.count, x.packet])).toEqual([[2, 6]]);
  });
  it("the CLI takes the limit; the JSON validates", async () => {
    const r = await runCli("analyze", file, "--json", "--max-tftp-duplicate-acks", "3");
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(validateAnalyze(j), JSON.stringify(validateAnalyze.errors)).toBe(true);
    expect(j.diagnostics.filter((d: { code: string }) => d.code === "tftp_duplicate_acks_capped").map((d: { count: number; packet: number }) => [d.count, d.packet])).toEqual([[1, 9]]);
    expect(j.sessions[0].tftp.duplicateAcksCapped).toEqual({ packet: 9 });
    const bad = await runCli("analyze", file, "--json", "--max-tftp-duplicate-acks", "16777216");
    expect(bad.code).not.toBe(0);
  });
  it("verify takes it too: the transfer's view and the diagnostic", async () => {
    const r = await runCli("verify", "--inside", file, "--outside", copy, "--json", "--max-tftp-duplicate-acks", "3");
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(validateVerify(j), JSON.stringify(validateVerify.errors)).toBe(true);
    const f1 = j.sessions.find((s: { tftp?: { filename: string } }) => s.tftp?.filename === "f1").tftp;
    for (const side of [f1.inside, f1.outside]) expect([side.duplicateAcks, side.duplicateAcksCapped]).toEqual([3, { packet: 9 }]);
    expect(j.diagnostics.filter((d: { code: string }) => d.code === "tftp_duplicate_acks_capped").map((d: { count: number; packet: number }) => [d.count, d.packet])).toEqual([[1, 9], [1, 9]]);
  });
  it("the text reports and the HTML say where the count stopped (limit 3: f1 at packet 9; limit 0: a count of 0 is still said)", async () => {
    const a = await runCli("analyze", file, "--max-tftp-duplicate-acks", "3");
    expect(a.stdout).toContain("2 block(s) of 512, 522 bytes, 3 ACK(s) repeated (counted up to --max-tftp-duplicate-acks; more from packet 9)\n");
    expect(a.stdout).toContain("2 block(s) of 512, 522 bytes, 2 ACK(s) repeated\n");
    const z = await runCli("analyze", file, "--max-tftp-duplicate-acks", "0");
    expect(z.stdout.match(/, 0 ACK\(s\) repeated \(counted up to --max-tftp-duplicate-acks; more from packet (\d+)\)/g)).toEqual([
      ", 0 ACK(s) repeated (counted up to --max-tftp-duplicate-acks; more from packet 6)", ", 0 ACK(s) repeated (counted up to --max-tftp-duplicate-acks; more from packet 14)"]);
    const html = join(mkdtempSync(join(tmp, "html-")), "r.html");
    const v = await runCli("verify", "--inside", file, "--outside", copy, "--max-tftp-duplicate-acks", "3", "--html", html);
    expect(v.code, v.stderr).toBe(0);
    const f1 = v.stdout.split("\n").find((l) => l.startsWith('  RRQ "f1" octet: '))!;
    expect(f1.match(/3 repeated ACK\(s\) \(counted up to --max-tftp-duplicate-acks; more from packet 9\)/g)).toHaveLength(2);
    expect(v.stdout.split("\n").find((l) => l.startsWith('  RRQ "f2" octet: '))).toContain("2 repeated ACK(s))");
    const page = readFileSync(html, "utf8");
    expect(page.match(/<span data-tftp-acks-capped="9"[^>]*>3\+ \(capped @9\)<\/span>/g)).toHaveLength(2);
    expect(page).not.toContain("2+ (capped");
  });
});

describe("TFTP repeated ACKs across the block number's wrap", () => {
  it("65 538 blocks of 8 bytes (OACK blksize=8): block 65 536 is numbered 0 and its ACK is new; ACKs sent again before and after the wrap are counted", async () => {
    const C = "192.0.2.10";
    const S = "198.51.100.20";
    const total = 65_538;
    const pkts: [string, number, string, number, Uint8Array][] = [
      [C, 50001, S, 69, tftp.request(1, "wrap.bin", "octet", [["blksize", "8"]])],
      [S, 40001, C, 50001, tftp.oack([["blksize", "8"]])],
      [C, 50001, S, 40001, tftp.ack(0)],
    ];
    for (let b = 1; b <= total; b++) {
      const n = b < total ? 8 : 3;
      pkts.push([S, 40001, C, 50001, tftp.data(b & 0xffff, n)], [C, 50001, S, 40001, tftp.ack(b & 0xffff)]);
      // The client's ACK sent again just before the wrap (65 535) and just after it (65 537 = 1).
      if (b === 65_535 || b === 65_537) pkts.push([C, 50001, S, 40001, tftp.ack(b & 0xffff)]);
    }
    const file = join(mkdtempSync(join(tmp, "tftp-")), "wrap.pcap");
    writeFileSync(file, writePcap(udpRecords(pkts), { linkType: LinkType.ETHERNET }));
    const { sessions } = await analyzeFile(file, {});
    const t = sessions[0].tftp!;
    expect([t.outcome, t.blocks, t.bytes, t.blockSize, t.duplicates, t.duplicateAcks, t.lastAcked]).toEqual(
      ["completed", total, (total - 1) * 8 + 3, 8, 0, 2, true]);
  });
});

describe("TFTP reading", () => {
  it("gives the same sessions whatever the read size", async () => {
    const f = new URL("../../../shared/pcaps/public/ndpi/ndpi-tftp-mixed-wrq-blksize.pcap", import.meta.url).pathname;
    const a = await analyzeFile(f, {});
    const b = await analyzeFile(f, { readBytes: 4096, windowBytes: 512 << 10 });
    expect(JSON.stringify(b.sessions)).toBe(JSON.stringify(a.sessions));
    expect(a.sessions.length).toBe(6);
  });
  it("a snaplen-cut request is flagged, not misread", async () => {
    const f = new URL("../../../shared/pcaps/public/tcpdump/tcpdump-tftp-heapoverflow.pcap", import.meta.url).pathname;
    const { sessions } = await analyzeFile(f, {});
    expect(sessions.length).toBe(1);
    expect(sessions[0].tftp).toMatchObject({ opcode: "RRQ", truncated: true, malformed: true, outcome: "unanswered" });
  });
  it("prints a line per request in the text report", async () => {
    const r = await runCli("analyze", `${dir}tftp-options-oack.pcap`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 TFTP request\(s\)/);
    expect(r.stdout).toContain('RRQ "pxelinux.0" octet blksize=1024 tsize=0: transfer flow 2 from port 40001 (OACK @2): completed at packet 6, 2 block(s) of 1024, 2000 bytes');
  });
  it("says the repeated blocks and ACKs in the text report", async () => {
    const block = await runCli("analyze", `${dir}tftp-duplicate-block.pcap`);
    expect(block.stdout).toContain("2 block(s) of 512, 600 bytes, 1 repeated\n");
    const ack = await runCli("analyze", `${dir}tftp-duplicate-ack.pcap`);
    expect(ack.stdout).toContain("3 block(s) of 512, 1200 bytes, 1 ACK(s) repeated\n");
  });
});

describe("TFTP public captures: JSON reports validate", () => {
  for (const e of manifest().filter((x) => /^TFTP/.test(x.contains))) {
    it(e.file, async () => {
      const a = await runCli("analyze", e.path, "--json", "--profile", "linux");
      expect(a.code, a.stderr).toBe(0);
      const report = JSON.parse(a.stdout);
      expect(validateAnalyze(report), JSON.stringify(validateAnalyze.errors)).toBe(true);
      expect(report.sessions.some((s: { alg: string }) => s.alg === "tftp")).toBe(true);
      const v = await runCli("verify", "--outside", e.path, "--json", "--profile", "linux");
      const vr = JSON.parse(v.stdout);
      expect(validateVerify(vr), JSON.stringify(validateVerify.errors)).toBe(true);
      expect(vr.sessions.filter((s: { alg: string }) => s.alg === "tftp").length).toBe(report.sessions.filter((s: { alg: string }) => s.alg === "tftp").length);
    });
  }
});
