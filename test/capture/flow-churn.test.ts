/**
 * A flow table bounded by what is concurrent: flows that are over (TCP closed and quiet 120 s —
 * 10 s here —, UDP quiet 180 s, …) leave a full table (or one past its sweep mark) for the host's store, so a capture with more flows over
 * its length than --max-flows but fewer at once is reported completely — the same flows, ids and
 * counts as with a table big enough for all of them. A table really full of live flows still says
 * flow_table_full.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileSource, loadCoreModule, scanFile } from "../../src/node/index.js";
import { CaptureCore } from "../../src/wasm/core.js";
import { flowsReport } from "../../src/capture/scan.js";
import { sinkToString, writeFlowsJson } from "../../src/report/flows-json.js";
import { DEFAULT_EPOCH_NS, ethernetFor, ipv4, tcpSession, udp, writePcap, type PcapRecord, type SessionFrame } from "../helpers/pcap-writer.js";
import { runCli } from "../cli/run.js";
import { FLOW_SIZE } from "../../src/wasm/abi.js";
import { ENDED_FLOW, FLOW_PAGE, type FlowTable } from "../../src/capture/flow-table.js";
import { FlowCandidates } from "../../src/alg/candidates.js";
import { generateBenchCapture } from "../../bench/gen-capture.js";
import { tempDir } from "../helpers/tmp.js";
import { shareFlows, unpackFlows } from "../../src/node/flow-transfer.js";

const dir = tempDir("alg-verify-churn-");
const S = 1_000_000_000n;
const server = { ip: "198.51.100.20", port: 80 };

function write(name: string, frames: { ts: bigint; data: Uint8Array }[]): string {
  const sorted = [...frames].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  const path = join(dir, name);
  writeFileSync(path, writePcap(sorted.map((f): PcapRecord => ({ ts: f.ts, data: ethernetFor(f.data) })), { linkType: 1 }));
  return path;
}

/** One short TCP connection from client port `port`, starting at `start`. */
function conn(port: number, start: bigint, close: "fin" | "rst" = "fin", ip = "192.0.2.10"): SessionFrame[] {
  const s = tcpSession({ client: { ip, port }, server, start, isn: port * 7919 });
  s.handshake();
  s.send(true, `GET /${port} HTTP/1.0\r\n\r\n`);
  s.send(false, "HTTP/1.0 200 OK\r\n\r\nhello");
  if (close === "fin") s.close();
  else s.rst();
  return s.frames;
}

function udpPacket(ts: bigint, sport: number, dport: number, fromA: boolean, n: number) {
  const a = "192.0.2.50", b = "203.0.113.9";
  const [src, dst, sp, dp] = fromA ? [a, b, sport, dport] : [b, a, dport, sport];
  return { ts, data: ipv4({ src, dst, proto: 17, payload: udp({ src, dst, srcPort: sp, dstPort: dp, payload: new Uint8Array(n) }) }) };
}

/** Flows of a scan with the given table size, and the streamed JSON's flows (must agree). */
async function flowsOf(path: string, flowCapLog2: number) {
  // A closed connection is over 10 s after its last packet here (default 120 s, TIME_WAIT).
  const scan = await scanFile(path, { flowCapLog2, flowTimeouts: { tcpClosed: 10 } });
  const json = JSON.parse(sinkToString((w) => writeFlowsJson(scan, w)));
  expect(json).toEqual(JSON.parse(JSON.stringify(flowsReport(scan))));
  return { scan, json };
}

describe("flows come and go", () => {
  // 300 connections, a new one every 2 s, each over within a second: at most 2 open at once,
  // and a closed one is over 10 s after its last packet. flowCapLog2 4 = 16 slots, 12 flows.
  const frames: SessionFrame[] = [];
  for (let i = 0; i < 300; i++) frames.push(...conn(20000 + i, DEFAULT_EPOCH_NS + BigInt(i) * 2n * S, i % 5 === 4 ? "rst" : "fin"));
  const path = write("sequential.pcap", frames);

  it("more flows than --max-flows over the capture, few at once: every flow, same ids and counts as a big table", async () => {
    const small = await flowsOf(path, 4);
    const big = await flowsOf(path, 12);
    expect(big.scan.stats.flowsEnded).toBe(0);
    expect(small.scan.stats.flowsEnded).toBeGreaterThan(250);
    expect(small.scan.stats.unattributed).toBe(0);
    expect(small.json.diagnostics.map((d: { code: string }) => d.code)).not.toContain("flow_table_full");
    expect(small.json.flows).toHaveLength(300);
    expect(small.json.flows).toEqual(big.json.flows);
    // Each flow: 3 handshake + request + its ACK + response + its ACK + close.
    expect(small.json.flows.map((f: { id: number }) => f.id)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(small.json.flows[299].initiator.port).toBe(20299);
  });

  it("the CLI reports it the same way with --max-flows 16", async () => {
    const a = await runCli("flows", path, "--json", "--max-flows", "16", "--flow-timeouts", "tcp-closed=10");
    const b = await runCli("flows", path, "--json");
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout).flows).toEqual(JSON.parse(b.stdout).flows);
  });

  it("a TCP connection reopened on the same 5-tuple after close is a new flow, whether or not the old one has left", async () => {
    const f: SessionFrame[] = [];
    // Fill the table with other closed connections, then reopen port 30000 three times: once
    // 1 s after its close (still in the table: superseded), then 60 s later (it has left).
    f.push(...conn(30000, DEFAULT_EPOCH_NS));
    for (let i = 0; i < 40; i++) f.push(...conn(31000 + i, DEFAULT_EPOCH_NS + 20n * S + BigInt(i) * S));
    f.push(...conn(30000, DEFAULT_EPOCH_NS + 2n * S));
    f.push(...conn(30000, DEFAULT_EPOCH_NS + 120n * S));
    for (let i = 0; i < 40; i++) f.push(...conn(32000 + i, DEFAULT_EPOCH_NS + 130n * S + BigInt(i) * S));
    const p = write("reopen.pcap", f);
    const small = await flowsOf(p, 4);
    const big = await flowsOf(p, 12);
    expect(small.scan.stats.flowsEnded).toBeGreaterThan(0);
    expect(small.json.flows).toEqual(big.json.flows);
    const reopened = small.json.flows.filter((x: { initiator: { port: number } }) => x.initiator.port === 30000);
    expect(reopened).toHaveLength(3);
    for (const r of reopened) {
      expect(r.packets).toEqual({ initiatorToResponder: 6, responderToInitiator: 4 });
      expect(r.tcp).toEqual({ syn: true, synAck: true, fin: true, rst: false });
    }
    // The second connection superseded the first while it was still in the table; the third came
    // after the second had left (a plain new flow) in the small table, not in the big one.
    expect(big.scan.stats.tcpReuse).toBe(2);
    expect(small.scan.stats.tcpReuse).toBe(1);
  });

  it("a UDP flow quiet past the UDP timeout leaves a full table; its next packet starts a new flow", async () => {
    const f: { ts: bigint; data: Uint8Array }[] = [];
    const t0 = DEFAULT_EPOCH_NS;
    // The conversation: 3 packets, 239 s of silence (> 180 s), 2 more packets.
    f.push(udpPacket(t0, 5000, 53, true, 30), udpPacket(t0 + S / 10n, 5000, 53, false, 80), udpPacket(t0 + S, 5000, 53, true, 30));
    f.push(udpPacket(t0 + 240n * S, 5000, 53, true, 31), udpPacket(t0 + 240n * S + S / 10n, 5000, 53, false, 81));
    // Another conversation quiet only 100 s: not over, stays one flow.
    f.push(udpPacket(t0 + 2n * S, 6000, 53, true, 30), udpPacket(t0 + 102n * S, 6000, 53, true, 30));
    // Short TCP connections every 2 s from 182 s on (5 within any 10 s): they fill a 12-flow
    // table at ~200 s, after the first conversation has been quiet 180 s.
    for (let i = 0; i < 30; i++) f.push(...conn(40000 + i, t0 + 182n * S + BigInt(i) * 2n * S));
    const p = write("udp-idle.pcap", f);
    const big = await flowsOf(p, 12);
    const small = await flowsOf(p, 4);
    const conv = (r: typeof big, port: number) => r.json.flows.filter((x: { initiator: { port: number } }) => x.initiator.port === port);
    // A table big enough keeps the quiet conversation as one flow (tshark's view of it) …
    expect(conv(big, 5000)).toHaveLength(1);
    expect(conv(big, 5000)[0].packets).toEqual({ initiatorToResponder: 3, responderToInitiator: 2 });
    // … a full table lets it go after 180 s quiet: its last two packets are a new flow.
    const split = conv(small, 5000);
    expect(split.map((x: { packets: object }) => x.packets)).toEqual([
      { initiatorToResponder: 2, responderToInitiator: 1 },
      { initiatorToResponder: 1, responderToInitiator: 1 },
    ]);
    expect(split[1].first.packet).toBeGreaterThan(split[0].last.packet);
    expect(conv(small, 6000)).toHaveLength(1);
    expect(small.scan.stats.unattributed).toBe(0);
    // Every packet of the capture is in exactly one flow.
    const total = (r: typeof big) => r.json.flows.reduce((n: number, x: { packets: { initiatorToResponder: number; responderToInitiator: number } }) =>
      n + x.packets.initiatorToResponder + x.packets.responderToInitiator, 0);
    expect(total(small)).toBe(small.scan.info.packets);
    expect(total(big)).toBe(big.scan.info.packets);
  });

  it("a table full of live flows still reports flow_table_full (closed flows within their timeout are live)", async () => {
    const f: SessionFrame[] = [];
    // 30 connections closed within 8 s: none is over when the 25th arrives.
    for (let i = 0; i < 30; i++) f.push(...conn(45000 + i, DEFAULT_EPOCH_NS + BigInt(i) * (S / 4n)));
    const p = write("full-live.pcap", f);
    // --max-flows 16 → 32 slots, 24 flows.
    const r = await runCli("flows", p, "--json", "--max-flows", "16");
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.flows).toHaveLength(24);
    expect(rep.stats.flowsEnded).toBe(0);
    expect(rep.stats.unattributed).toBe(6 * 10);
    const d = rep.diagnostics.find((x: { code: string }) => x.code === "flow_table_full");
    expect(d).toMatchObject({ severity: "warning", count: 60, packet: 24 * 10 + 1 });
    expect(d.message).toContain("24 flows live at once");
  });

  it("a shorter TCP closed timeout (--flow-timeouts) lets those flows go", async () => {
    const f: SessionFrame[] = [];
    for (let i = 0; i < 30; i++) f.push(...conn(45000 + i, DEFAULT_EPOCH_NS + BigInt(i) * (S / 4n)));
    const p = write("full-live-short.pcap", f);
    const r = await runCli("flows", p, "--json", "--max-flows", "16", "--flow-timeouts", "tcp-closed=0.1");
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.flows).toHaveLength(30);
    expect(rep.stats.unattributed).toBe(0);
    expect(rep.stats.flowsEnded).toBeGreaterThan(0);
  });
});

describe("a generated capture whose flows come and go (bench/gen-capture.ts --churn)", () => {
  // 500 slots, a packet every ~100 µs: each flow sees a packet every ~50 ms; timeouts of 1 s.
  const path = join(dir, "churn.pcap");
  const gen = generateBenchCapture(path, { bytes: 24 << 20, flows: 500, seed: 3, churn: true });
  const flowTimeouts = { tcpClosed: 1, tcpReset: 1, tcpOpening: 1, other: 1 };
  const text = (s: Awaited<ReturnType<typeof scanFile>>) => {
    const t = sinkToString((w) => writeFlowsJson(s, w));
    return t.slice(0, t.lastIndexOf("\n]"));
  };
  /** FLOWS records the core ever used: the 4 KiB pages it marked (assembly/memory.ts flowPagesPtr) × records per page. */
  const recordsTouched = (s: Awaited<ReturnType<typeof scanFile>>) => {
    const e = s.core!.exports;
    const pages = new Uint8Array(e.memory.buffer, e.flowPagesPtr() >>> 0, Math.ceil(((e.flowCap() >>> 0) * FLOW_SIZE) / FLOW_PAGE));
    return pages.reduce((n, p) => n + p, 0) * (FLOW_PAGE / FLOW_SIZE);
  };

  it("more flows than the table holds, ≤ 500 open at once: the generator's flows, all of them, as with a big table", async () => {
    const small = await scanFile(path, { flowCapLog2: 11, flowTimeouts });
    // 2^16 slots: the first sweep mark (a quarter of the limit, 12 288 records) is past every flow.
    const big = await scanFile(path, { flowCapLog2: 16, flowTimeouts });
    expect(gen.flows).toBeGreaterThan(2 * 1536);
    expect(small.stats.flowsEnded).toBeGreaterThan(gen.flows / 2);
    expect(small.stats.unattributed).toBe(0);
    expect(big.stats.flowsEnded).toBe(0);
    expect(small.flows.count).toBe(gen.flows);
    expect(text(small)).toBe(text(big));
  });

  it("flows that are over leave long before the table is full: the records in use follow what is concurrent, not the limit", async () => {
    // 2^13 slots: limit 6 144 flows, more than the capture's 3 000-odd; first sweep mark 1 536.
    const mid = await scanFile(path, { flowCapLog2: 13, flowTimeouts });
    const big = await scanFile(path, { flowCapLog2: 16, flowTimeouts });
    expect(gen.flows).toBeLessThan(6144);
    expect(mid.stats.flowsEnded).toBeGreaterThan(gen.flows / 3);
    expect(mid.stats.unattributed).toBe(0);
    // ~500 open and ~800 closed within their 1 s: about 1 300 held; every flow's record without sweeps.
    expect(recordsTouched(big)).toBeGreaterThanOrEqual(gen.flows);
    expect(recordsTouched(mid)).toBeLessThan(0.6 * gen.flows);
    expect(text(mid)).toBe(text(big));
  });
});

describe("flows that left the table, past --ended-memory: in a temporary file, reported the same", () => {
  // 32 000 one-datagram UDP flows, one every 10 ms (a UDP flow is over 1 s after its packet
  // here): ~100 at once, all but the last few leave a 192-flow table: ~1.4 MiB of records, over
  // the default --ended-memory (1 MiB, two 512 KiB chunks of the store).
  const frames = Array.from({ length: 32_000 }, (_, i) => udpPacket(DEFAULT_EPOCH_NS + BigInt(i) * 10_000_000n, 1024 + (i % 60_000), 5000 + ((i / 60_000) | 0), true, 20 + (i % 7)));
  const path = write("udp-churn.pcap", frames);
  const opts = { flowCapLog2: 8, flowTimeouts: { other: 1 } };
  const text = (s: Awaited<ReturnType<typeof scanFile>>) => sinkToString((w) => writeFlowsJson(s, w));
  const store = (s: Awaited<ReturnType<typeof scanFile>>) => (s.core as unknown as { ended: { spilledBytes: number; windowReads: number; count: number } }).ended;

  it("gives the same flows JSON, byte for byte, as the store kept in memory", async () => {
    const spilled = await scanFile(path, { ...opts, endedMemoryBytes: 1 });
    const kept = await scanFile(path, { ...opts, endedMemoryBytes: 0 });
    expect(store(spilled).count).toBeGreaterThan(31_000);
    expect(store(spilled).spilledBytes).toBeGreaterThan(0);
    expect(store(kept).spilledBytes).toBe(0);
    const t = text(spilled);
    expect(store(spilled).windowReads).toBeGreaterThan(0);
    expect(t).toBe(text(kept));
    expect(JSON.parse(t).flows).toHaveLength(32_000);
    expect(JSON.parse(t).diagnostics).toEqual([]);
  });

  it("reads every flow's ports without decoding its record (where the compact record keeps them), and the candidates' walk finds the same flows reading each piece of the file once", async () => {
    const spilled = await scanFile(path, { ...opts, endedMemoryBytes: 1 });
    const t = spilled.flows;
    expect(store(spilled).spilledBytes).toBeGreaterThan(0);
    const reads = store(spilled).windowReads;
    let ended = 0;
    for (let id = 1; id <= t.count; id++) {
      if (t.where(id) & ENDED_FLOW) ended++;
      const f = t.get(id);
      expect([t.port(id, 0), t.port(id, 1)]).toEqual([f.initiator.port, f.responder.port]);
    }
    expect(ended).toBeGreaterThan(31_000);
    const c = new FlowCandidates(t);
    for (const p of [1030, 5000, 60_000, 5001]) c.want(p);
    const before = store(spilled).windowReads;
    const ids = c.ids();
    // The ports of 31 000-odd ended flows read in store order: each 16 KiB piece of the temporary
    // file once (a record across two pieces reads the next one, which the walk reads next anyway).
    const pieces = Math.ceil(store(spilled).spilledBytes / 16_384);
    expect(store(spilled).windowReads - before).toBeGreaterThan(0);
    expect(store(spilled).windowReads - before).toBeLessThanOrEqual(pieces + 1);
    expect(before).toBeGreaterThan(reads);
    // The same ids as filtering every flow's materialised record.
    const want = [...t].filter((f) => [1030, 5000, 60_000, 5001].includes(f.initiator.port!) || [1030, 5000, 60_000, 5001].includes(f.responder.port!)).map((f) => f.id);
    expect(want.length).toBeGreaterThan(30_000);
    expect(ids).toEqual(want);
  });

  it("handed over in place from the core built with shared memory (verify's worker), with its store in the temporary file: the flows that left are read back and copied, and read the same", async () => {
    const spilled = await scanFile(path, { ...opts, endedMemoryBytes: 1, sharedMemory: true });
    expect(store(spilled).spilledBytes).toBeGreaterThan(0);
    const shared = shareFlows(spilled.flows)!;
    expect(shared.packed.shared!.endedCount).toBe(store(spilled).count);
    expect(shared.packed.shared!.endedCount).toBeGreaterThan(31_000);
    const got = unpackFlows(structuredClone(shared.packed, { transfer: shared.transfer }));
    const kept = await scanFile(path, { ...opts, endedMemoryBytes: 0 });
    expect(got.count).toBe(32_000);
    expect(JSON.stringify([...got])).toBe(JSON.stringify([...kept.flows]));
  });

  it("the table's id map takes the core's idle flow index when it fits (2 × flowCap flows), a new array otherwise; the same flows either way; the core then takes no more input", async () => {
    const mod = await loadCoreModule();
    const tables: FlowTable[] = [];
    for (const flowCapLog2 of [16, 8]) {
      const core = new CaptureCore(mod, { ...opts, flowCapLog2 });
      const src = fileSource(path);
      await core.run(src);
      src.close();
      const t = core.flows();
      expect(t.count).toBe(32_000);
      const lent = (t as unknown as { slotOf: Uint32Array }).slotOf.buffer === core.exports.memory.buffer;
      expect(lent).toBe(flowCapLog2 === 16);
      if (lent) await expect(core.run(fileSource(path))).rejects.toThrow(/no more input/);
      tables.push(t);
    }
    const [a, b] = tables;
    for (let id = 1; id <= a.count; id += 3) expect(a.get(id)).toEqual(b.get(id));
  });

  it("the CLI: --ended-memory 1 and 0 print the same; with no temporary directory, ended_flows_in_memory and the same flows", async () => {
    const args = ["flows", path, "--json", "--max-flows", "192", "--flow-timeouts", "udp=1"];
    const a = await runCli(...args, "--ended-memory", "0");
    const b = await runCli(...args);
    expect(a.code, a.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = join(dir, "no-such-dir");
    let c;
    try {
      c = await runCli(...args);
    } finally {
      process.env.TMPDIR = tmp;
    }
    expect(c.code, c.stderr).toBe(0);
    const rep = JSON.parse(c.stdout);
    expect(rep.flows).toEqual(JSON.parse(a.stdout).flows);
    const d = rep.diagnostics.find((x: { code: string }) => x.code === "ended_flows_in_memory");
    expect(d?.severity).toBe("warning");
    expect(d.count).toBeGreaterThan(0);
    expect(d.count).toBeLessThan(32_000);
    // The first packet of the first flow kept beyond the limit: past the flows of the first MiB.
    expect(d.packet).toBeGreaterThan(10_000);
    expect(rep.flows.some((f: { first: { packet: number } }) => f.first.packet === d.packet)).toBe(true);
    expect(d.message).toMatch(/--ended-memory/);
  });
});

describe("FlowTable.brief", () => {
  // What `flows`' text table reads of each flow (report/flows-text.ts): get's fields without the
  // times and payload bytes — the same values, for flows in the table and flows that left it.
  it("equals get's fields for every flow, in the table and in the ended-flow store; IPv6, VLANs and UDP too", async () => {
    const frames: SessionFrame[] = [];
    for (let i = 0; i < 60; i++) frames.push(...conn(21000 + i, DEFAULT_EPOCH_NS + BigInt(i) * 2n * S, i % 3 === 2 ? "rst" : "fin"));
    const churn = (await flowsOf(write("brief.pcap", frames), 4)).scan;
    expect(churn.stats.flowsEnded).toBeGreaterThan(40);
    const bench = join(dir, "brief-bench.pcap");
    generateBenchCapture(bench, { bytes: 2 * 2 ** 20, seed: 5 });
    const mixed = await scanFile(bench);
    let ipv6 = 0, vlan = 0, udp = 0;
    for (const scan of [churn, mixed]) {
      const t = scan.flows;
      for (let id = 1; id <= t.count; id++) {
        const f = t.get(id);
        const b = t.brief(id);
        expect(b).toEqual({ id: f.id, proto: f.proto, vlan: f.vlan, initiator: f.initiator, responder: f.responder, packets: f.packets, ipBytes: f.ipBytes, first: { packet: f.first.packet }, last: { packet: f.last.packet }, ...(f.tcp ? { tcp: f.tcp } : {}) });
        if (f.ipVersion === 6) ipv6++;
        if (f.vlan.length) vlan++;
        if (f.proto === "udp") udp++;
      }
    }
    expect(ipv6).toBeGreaterThan(0);
    expect(vlan).toBeGreaterThan(0);
    expect(udp).toBeGreaterThan(0);
  });
});
