/**
 * ALG state bounded by named limits (issue 13), at test size — the 10 MB / 100 MB floods are
 * measured in `bench/` (see README "Performance"):
 *  - an FTP control connection flooded with PORT lines keeps --max-negotiations of them; the
 *    rest are counted in `negotiation_limit` (count, first packet) and the session says it is
 *    partial; exit 0;
 *  - a NOOP flood keeps nothing per line;
 *  - control streams of closed sessions (FIN both ways, RST) free their slot: 20 sequential
 *    FTP/RTSP sessions with --max-control-streams 4 give the report of a large limit; sessions
 *    left open beyond the limit are reported as control_stream_table_full, unless idle past
 *    --control-idle, whose slot is then taken over.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import Ajv2020Module from "ajv/dist/2020.js";
import { readFileSync } from "node:fs";
import { runCli } from "../cli/run.js";
import { controlFlood, hostileCapture, sequentialSessions, type HostileSession } from "../../pcaps/make/control-floods.js";

const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;
const load = (f: string) => JSON.parse(readFileSync(new URL(`../../schema/${f}`, import.meta.url), "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
ajv.addSchema(load("flows.schema.json"));
const validate = ajv.compile(load("analyze.schema.json"));

const dir = mkdtempSync(join(tmpdir(), "algv-limits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function analyze(file: string, ...args: string[]) {
  const r = await runCli("analyze", file, "--json", ...args);
  expect(r.code, r.stderr).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  return report;
}

describe("negotiations kept per session (--max-negotiations)", () => {
  it("a 2 MB PORT flood keeps the first 100 negotiations and counts the rest", async () => {
    const file = join(dir, "port-flood.pcap");
    const flood = controlFlood(file, { bytes: 2 << 20, line: "port" });
    expect(flood.lines).toBeGreaterThan(80_000);
    const report = await analyze(file, "--max-negotiations", "100");
    const [s] = report.sessions;
    expect(s.negotiations).toHaveLength(100);
    expect(s.negotiations.every((n: { kind: string }) => n.kind === "PORT")).toBe(true);
    // Packet 5 is the first flood segment; the 101st line is in the third one (~66 lines each).
    expect(s.negotiations[0].packet).toBe(5);
    expect(s.partial).toEqual({ negotiationsNotKept: flood.lines - 100, teardownsNotKept: 0, firstPacket: 6 });
    const d = report.diagnostics.find((x: { code: string }) => x.code === "negotiation_limit");
    expect(d).toMatchObject({ severity: "warning", count: flood.lines - 100, packet: 6 });
    expect(report.diagnostics.map((x: { code: string }) => x.code)).not.toContain("event_ring_overflow");
    const text = await runCli("analyze", file, "--max-negotiations", "100");
    expect(text.stdout).toMatch(new RegExp(`PARTIAL: from packet 6 on, ${flood.lines - 100} negotiation\\(s\\) beyond --max-negotiations`));
  });

  it("under the limit nothing is partial", async () => {
    const file = join(dir, "port-small.pcap");
    const flood = controlFlood(file, { bytes: 20_000, line: "port" });
    const report = await analyze(file);
    expect(report.sessions[0].negotiations).toHaveLength(flood.lines);
    expect(report.sessions[0].partial).toBeUndefined();
    expect(report.diagnostics.map((x: { code: string }) => x.code)).not.toContain("negotiation_limit");
  });

  it("a NOOP flood: one session, no negotiation, nothing partial", async () => {
    const file = join(dir, "noop-flood.pcap");
    controlFlood(file, { bytes: 1 << 20, line: "noop" });
    const report = await analyze(file, "--max-negotiations", "1");
    expect(report.sessions).toHaveLength(1);
    expect(report.sessions[0].negotiations).toEqual([]);
    expect(report.sessions[0].partial).toBeUndefined();
    expect(report.stats.ctrlLines).toBeGreaterThan(170_000);
  });

  it("RTSP: SETUPs and TEARDOWNs beyond the limit are counted", async () => {
    const file = join(dir, "rtsp-flood.pcap");
    const setup = (i: number) => `SETUP rtsp://198.51.100.20/t${i} RTSP/1.0\r\nCSeq: ${i}\r\nTransport: RTP/AVP;unicast;client_port=${50000 + 2 * i}-${50001 + 2 * i}\r\n\r\n`;
    const text = Array.from({ length: 30 }, (_, i) => setup(i + 1)).join("") + "TEARDOWN rtsp://198.51.100.20/t RTSP/1.0\r\nCSeq: 99\r\n\r\n".repeat(12);
    writeFileSync(file, hostileCapture([{ alg: "rtsp", bursts: [{ fromClient: true, text, repeat: 1, segment: 1460 }], end: "fin" }]));
    const report = await analyze(file, "--max-negotiations", "10");
    const [s] = report.sessions;
    expect(s.negotiations).toHaveLength(10);
    expect(s.teardowns).toHaveLength(10);
    expect(s.partial).toMatchObject({ negotiationsNotKept: 20, teardownsNotKept: 2 });
    expect(report.diagnostics.find((x: { code: string }) => x.code === "negotiation_limit")).toMatchObject({ count: 22 });
  });
});

describe("control streams of closed sessions leave the table (--max-control-streams)", () => {
  it("20 sequential FTP/RTSP sessions with a limit of 4: all analyzed, the report of a large limit", async () => {
    const file = join(dir, "sequential.pcap");
    writeFileSync(file, sequentialSessions(20));
    const small = await analyze(file, "--max-control-streams", "4");
    const large = await analyze(file, "--max-control-streams", "4096");
    expect(small.sessions).toHaveLength(20);
    expect(small.sessions.filter((s: { alg: string }) => s.alg === "rtsp")).toHaveLength(10);
    for (const s of small.sessions) {
      expect(s.negotiations).toHaveLength(1);
      expect(s.negotiations[0].dataSeen).toBe(true);
    }
    expect(small.stats.controlStreamsClosed).toBe(20);
    expect(small.diagnostics).toEqual(large.diagnostics);
    expect(small).toEqual(large);
  });

  it("more concurrent sessions than the limit: control_stream_table_full", async () => {
    const file = join(dir, "concurrent.pcap");
    const open: HostileSession = { alg: "ftp", bursts: [{ fromClient: true, text: "PORT 192,0,2,10,4,31\r\n", repeat: 1, segment: 1460 }], end: "none" };
    writeFileSync(file, hostileCapture(Array.from({ length: 6 }, () => open)));
    const report = await analyze(file, "--max-control-streams", "4");
    expect(report.sessions).toHaveLength(4);
    const d = report.diagnostics.find((x: { code: string }) => x.code === "control_stream_table_full");
    expect(d).toMatchObject({ count: 2 });
    expect(report.stats.controlStreamsDropped).toBe(2);
  });

  it("a session idle past --control-idle gives its slot to a new one", async () => {
    const file = join(dir, "idle.pcap");
    const open: HostileSession = { alg: "ftp", bursts: [{ fromClient: true, text: "PORT 192,0,2,10,4,31\r\n", repeat: 1, segment: 1460 }], end: "none", pauseNs: 5_000_000_000n };
    writeFileSync(file, hostileCapture(Array.from({ length: 6 }, () => open)));
    const report = await analyze(file, "--max-control-streams", "4", "--control-idle", "2");
    expect(report.sessions).toHaveLength(6);
    expect(report.stats.controlStreamsEvicted).toBe(2);
    expect(report.diagnostics.map((x: { code: string }) => x.code)).not.toContain("control_stream_table_full");
  });
});
