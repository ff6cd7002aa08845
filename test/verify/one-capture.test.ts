/**
 * One capture holding both sides of the router: the example pair merged into a pcapng with one
 * interface per side, and into a Linux cooked v2 capture with one interface index per side.
 * `verify --capture F --inside-if … --outside-if …` must reach the same verdict, translations and
 * predicted conversations as with the two files (packet numbers differ: they are the merged
 * file's).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { writePcap } from "../helpers/pcap-writer.js";
import { mergeSides, mergeSidesPcapng, readPcapRecords } from "../helpers/pcap-records.js";
import { tempDir } from "../helpers/tmp.js";

const ex = (f: string) => new URL(`../../pcaps/example/${f}`, import.meta.url).pathname;
const tmp = tempDir("alg-verify-one-");

function sll2(ifindex: number, frame: Uint8Array): Uint8Array {
  const h = new Uint8Array(20);
  const dv = new DataView(h.buffer);
  dv.setUint16(0, (frame[12] << 8) | frame[13]); // protocol = the EtherType
  dv.setUint32(4, ifindex);
  dv.setUint16(8, 1); // ARPHRD_ETHER
  h[11] = 6;
  h.set(frame.subarray(6, 12), 12);
  const out = new Uint8Array(20 + frame.length - 14);
  out.set(h);
  out.set(frame.subarray(14), 20);
  return out;
}

function summary(report: any) {
  return {
    verdict: report.verdict,
    findings: report.findings.map((f: any) => f.code),
    nat: report.nat.mappings.map((m: any) => [m.direction, m.inside, m.translated, m.remote]),
    predicted: report.predicted.conversations.map((c: any) => c.flows.map((f: any) => [f.dir, f.state, f.src, f.dst, f.frames, f.nat])),
    lines: report.sessions.map((s: any) => s.negotiations.map((n: any) => [n.kind, n.inside?.line, n.outside?.line, n.dataPath])),
  };
}

it("pcapng with an interface per side, and SLL2 with an interface index per side", async () => {
  const inside = readPcapRecords(ex("ftp-active-nat-inside.pcap"));
  const outside = readPcapRecords(ex("ftp-active-nat-outside.pcap"));
  const merged = mergeSides(ex("ftp-active-nat-inside.pcap"), ex("ftp-active-nat-outside.pcap"));
  const ng = join(tmp, "both.pcapng");
  writeFileSync(ng, mergeSidesPcapng(ex("ftp-active-nat-inside.pcap"), ex("ftp-active-nat-outside.pcap")));
  const cooked = join(tmp, "both-sll2.pcap");
  writeFileSync(cooked, writePcap(merged.map((r) => ({ ts: r.ts, data: sll2(r.side ? 7 : 3, r.data) })), { linkType: 276, nanosecond: true }));

  const two = await runCli("verify", "--inside", ex("ftp-active-nat-inside.pcap"), "--outside", ex("ftp-active-nat-outside.pcap"), "--json");
  const want = summary(JSON.parse(two.stdout));
  expect(want.verdict).toBe("pass");

  const a = await runCli("verify", "--capture", ng, "--inside-if", "0", "--outside-if", "1", "--json");
  expect(a.code, a.stderr).toBe(0);
  const ra = JSON.parse(a.stdout);
  expect(summary(ra)).toEqual(want);
  expect(ra.captures.inside.packets).toBe(inside.length + outside.length);

  const b = await runCli("verify", "--capture", cooked, "--inside-if", "sll2:3", "--outside-if", "sll2:7", "--json");
  expect(b.code, b.stderr).toBe(0);
  expect(summary(JSON.parse(b.stdout))).toEqual(want);

  const bad = await runCli("verify", "--capture", ng, "--inside-if", "0");
  expect(bad.code).toBe(2);
});
